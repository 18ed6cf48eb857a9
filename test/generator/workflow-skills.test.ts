/** The rules that make one skill per workflow from a plugin's commands and skills, one by one. */
import { describe, expect, it } from "vitest";
import { sourceErrorsOf } from "../../generator/errors.ts";
import type { Release } from "../../generator/release.ts";
import { releases } from "../../generator/releases/index.ts";
import { personOnlyWorkflows, releaseForTree, workflowFile, workflowSkill, workflowSkills } from "../../generator/workflow-skills.ts";

/** Release 1.3.0 as loaded (checked against the schema). */
const release130 = releases.find((release) => release.version === "1.3.0") as Release;

const COMMAND = `---
description: Profile a data file.
argument-hint: "<data-file> [--target COLUMN]"
allowed-tools: Read, Bash(python3:*)
---

# /eda

Explore \`$ARGUMENTS\`.

1. Run the eda-analyst agent, as below.
`;

const SKILL = `---
name: eda
description: Use to profile a data file.
---

# Profiling a dataset

Start from \`summarize_dataframe\`.

## Leakage

Ids, timestamps after the event.
`;

const MERGED = `---
name: eda
description: Use to profile a data file.
argument-hint: "<data-file> [--target COLUMN]"
allowed-tools: Read, Bash(python3:*)
---

# /eda

Explore \`$ARGUMENTS\`.

1. Run the eda-analyst agent, as below.

## Profiling a dataset

Start from \`summarize_dataframe\`.

## Leakage

Ids, timestamps after the event.
`;

const command = (text = COMMAND) => ({ file: "commands/eda.md", text });
const skill = (text = SKILL) => ({ file: "skills/eda/SKILL.md", text });

describe("workflow rules", () => {
  it("skill-per-workflow, workflow-description, workflow-frontmatter, workflow-body: command and skill become one skill", () => {
    expect(workflowSkill("eda", command(), skill())).toBe(MERGED);
  });

  it("person-only: disable-model-invocation is added once", () => {
    const merged = workflowSkill("eda", command(), skill(), true);
    expect(merged).toContain('allowed-tools: Read, Bash(python3:*)\ndisable-model-invocation: true\n---\n');
    expect(workflowSkill("eda", undefined, skill(merged), true)).toBe(merged);
    expect(workflowSkill("eda", command(COMMAND.replace("---\n\n", "disable-model-invocation: true\n---\n\n")), skill(), true).match(/disable-model-invocation/g)).toHaveLength(1);
  });

  it("a command alone becomes a skill named after it, with its description and keys as written", () => {
    expect(workflowSkill("eda", command(), undefined)).toBe(`---\nname: eda\n${COMMAND.slice(4)}`);
  });

  it("a skill alone stays as it is, byte for byte; a person-only one gets the key", () => {
    expect(workflowSkill("eda", undefined, skill())).toBe(SKILL);
    expect(workflowSkill("eda", undefined, skill(), true)).toBe(SKILL.replace("---\n\n#", "disable-model-invocation: true\n---\n\n#"));
    expect(workflowSkill("eda", undefined, skill("# Just a title\n"), true)).toBe("---\nname: eda\ndisable-model-invocation: true\n---\n# Just a title\n");
  });

  it("earlier-merge: a skill that already holds the command's body (a bundle rebuilt) is taken as it is", () => {
    expect(workflowSkill("eda", command(), skill(MERGED))).toBe(MERGED);
    const commandOnly = workflowSkill("eda", command(), undefined);
    expect(workflowSkill("eda", command(), skill(commandOnly))).toBe(commandOnly);
  });

  it("a key both have is the command's (how the workflow runs), but the description is the skill's", () => {
    const both = workflowSkill("eda", command(), skill(SKILL.replace("description:", "allowed-tools: Read\ndescription:")));
    expect(both).toContain("name: eda\nallowed-tools: Read, Bash(python3:*)\ndescription: Use to profile a data file.\nargument-hint:");
    const without = workflowSkill("eda", command(), skill("---\nname: eda\n---\n\n# Guidance\n\nText.\n"));
    expect(without).toContain("name: eda\ndescription: Profile a data file.\n");
    // A skill that does not name itself is named after its workflow (its folder), as Claude Code and Cursor read it.
    expect(workflowSkill("eda", command(), skill("---\ndescription: Use it.\n---\n\n# Guidance\n"))).toMatch(/^---\nname: eda\ndescription: Use it\.\nargument-hint/);
  });

  it("keeps quoting, comments and multi-line values of the frontmatter as written", () => {
    const text = COMMAND.replace("allowed-tools: Read, Bash(python3:*)", "# how it runs\nallowed-tools:\n  - Read\n  - Bash(python3:*)  # the status line");
    expect(workflowSkill("eda", command(text), skill())).toContain('argument-hint: "<data-file> [--target COLUMN]"\n# how it runs\nallowed-tools:\n  - Read\n  - Bash(python3:*)  # the status line\n---');
  });

  it("a setext title and a skill without a title are carried; code that looks like a heading is not a title", () => {
    expect(workflowSkill("eda", command(), skill("---\nname: eda\n---\nProfiling\n=========\n\nText.\n"))).toContain("as below.\n\n## Profiling\n\nText.\n");
    expect(workflowSkill("eda", command(), skill("---\nname: eda\n---\nJust text.\n"))).toContain("as below.\n\nJust text.\n");
    expect(workflowSkill("eda", command(), skill("---\nname: eda\n---\n```md\n# not a title\n```\n"))).toContain("as below.\n\n```md\n# not a title\n```\n");
  });

  it("keeps the command's line breaks (CRLF throughout)", () => {
    const merged = workflowSkill("eda", command(COMMAND.replace(/\n/g, "\r\n")), skill());
    expect(merged).toBe(MERGED.replace(/\n/g, "\r\n"));
  });

  it("names the file when a frontmatter cannot be read", () => {
    expect(() => workflowSkill("eda", command("---\ndescription: [unclosed\n---\n"), skill())).toThrow(/commands\/eda\.md/);
  });
});

describe("a tree's workflows", () => {
  const tree = (files: Record<string, string>) => ({ paths: Object.keys(files), text: (path: string) => files[path], origin: (path: string) => `src/${path}` });

  it("trees with only commands, only skills, or both: one skill per name, the commands merged", () => {
    const result = workflowSkills(tree({ "commands/eda.md": COMMAND, "skills/eda/SKILL.md": SKILL, "commands/status.md": "---\ndescription: Progress.\n---\n\n# /status\n", "skills/notes/SKILL.md": SKILL.replace("name: eda", "name: notes"), "commands/sub/x.md": "x" }), new Map([["status", "a view"]]));
    expect(result.names).toEqual(["eda", "notes", "status"]);
    expect([...result.skills.keys()].sort()).toEqual(["skills/eda/SKILL.md", "skills/status/SKILL.md"]);
    expect(result.skills.get("skills/status/SKILL.md")).toBe("---\nname: status\ndescription: Progress.\ndisable-model-invocation: true\n---\n\n# /status\n");
    expect(result.merged).toEqual(["commands/eda.md", "commands/status.md"]);
    expect(result.personOnly).toEqual(["status"]);
  });

  it("a command whose name cannot be a skill's is named with a suggestion", () => {
    let problems;
    try {
      workflowSkills(tree({ "commands/My Report.md": COMMAND }), new Map());
    } catch (error) {
      problems = sourceErrorsOf(error);
    }
    expect(problems).toEqual([expect.objectContaining({ ruleId: "command-name", file: "src/commands/My Report.md", reason: expect.stringContaining("(e.g. my-report.md)") })]);
  });

  it("a release's edit of a workflow's command goes to its skill in a tree that has only the skill (a bundle)", () => {
    const bundle = new Set(["skills/team-coldstart/SKILL.md", "skills/team-analyze/SKILL.md"]);
    expect(workflowFile("commands/team-coldstart.md", (path) => bundle.has(path))).toBe("skills/team-coldstart/SKILL.md");
    expect(workflowFile("commands/team-coldstart.md", () => true)).toBe("commands/team-coldstart.md");
    expect(workflowFile("commands/eda.md", (path) => bundle.has(path))).toBe("commands/eda.md");
    const moved = releaseForTree(release130, (path) => bundle.has(path));
    expect(new Set(moved.insertions.map((insertion) => insertion.file)).has("commands/team-coldstart.md")).toBe(false);
    expect(moved.rewrites.filter((rewrite) => rewrite.file === "skills/team-coldstart/SKILL.md")).toHaveLength(3);
  });

  it("the release names its person-only workflows with a reason each", () => {
    const personOnly = personOnlyWorkflows([release130]);
    expect([...personOnly.keys()].sort()).toEqual(["deploy", "registry", "status", "team-coldstart", "team-review"]);
    for (const reason of personOnly.values()) expect(reason.length).toBeGreaterThan(20);
  });
});
