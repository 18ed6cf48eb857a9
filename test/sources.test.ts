/** The plugin sources as of 1.2.1, checked the way the bundle is: what breaks here would break the release. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFrontmatter } from "../generator/frontmatter.ts";
import { parseManifests } from "../generator/manifests.ts";
import { listHeadings, parseMarkdown } from "../generator/markdown.ts";
import { release130 } from "../generator/releases/v1.3.0.ts";
import { loadSources, markdownDocuments } from "../generator/sources.ts";
import { checkCommandMentions } from "../scripts/verify/command-checks.ts";
import { checkCursorManifest } from "../scripts/verify/cursor-checks.ts";
import { checkFrontmatter } from "../scripts/verify/frontmatter-checks.ts";
import { checkStages, listStages, STAGED_WORKFLOW } from "../scripts/verify/stage-checks.ts";
import { repoRoot } from "./helpers.ts";

const sources = loadSources(repoRoot);
const docs = markdownDocuments(sources);
const paths = [...docs.keys()].filter((path) => /^(agents\/[^/]+\.md|commands\/[^/]+\.md|skills\/[^/]+\/SKILL\.md|README\.md)$/.test(path));

describe("plugin sources at 1.2.1", () => {
  it("hold the 10 agents, and a command and a skill for each of the 11 workflows (the plugin's own layout)", () => {
    expect(paths.filter((path) => path.startsWith("agents/")).map((path) => path.slice(7, -3)).sort()).toEqual([
      "assigner", "brutal-code-reviewer", "developer", "eda-analyst", "feature-engineering-analyst", "frontend-ux-analyst",
      "ml-theory-advisor", "mlops-engineer", "orchestrator", "pr-approver",
    ]);
    const workflows = ["deploy", "eda", "evaluate", "preprocess", "report", "status", "team-analyze", "team-coldstart", "team-review", "test", "train"];
    expect(paths.filter((path) => path.startsWith("commands/")).map((path) => path.slice(9, -3)).sort()).toEqual(workflows);
    expect(paths.filter((path) => path.startsWith("skills/")).map((path) => path.split("/")[1]).sort()).toEqual(workflows);
  });

  it("say each thing once: no line of a workflow's command is also in its skill", () => {
    for (const path of paths.filter((candidate) => candidate.startsWith("commands/"))) {
      const name = path.slice("commands/".length, -".md".length);
      const lines = (file: string) => (docs.get(file)?.text.split("---\n").slice(2).join("---\n") ?? "").split("\n").map((line) => line.trim()).filter((line) => line.length > 20);
      const command = new Set(lines(path));
      expect(lines(`skills/${name}/SKILL.md`).filter((line) => command.has(line)), name).toEqual([]);
    }
  });

  it("say when to use each agent and each workflow the model may start (person-only ones are listed to no model)", () => {
    const personOnly = new Set(Object.keys(release130.personOnly ?? {}));
    for (const path of paths.filter((candidate) => candidate.startsWith("agents/") || candidate.startsWith("skills/"))) {
      if (personOnly.has(path.split("/")[1] ?? "")) continue;
      const { file, text } = docs.get(path) ?? { file: path, text: "" };
      expect(String(readFrontmatter(file, text)?.data.description), path).toMatch(/(^|[.:;] )Use (when|to|for|after|before) /);
    }
  });

  it("name workflows as people type them, in the plugin's prose and this repository's README", () => {
    // As the bundle offers them: every workflow (the release's registry too) a skill; the commands' text checked as prose.
    const prose = new Map([...docs].map(([path, file]) => [path.startsWith("commands/") ? `prose/${path}` : path, file]));
    prose.set("skills/registry/SKILL.md", { file: "skills/registry/SKILL.md", text: "" });
    prose.set("prose/README.md", { file: "README.md (repository)", text: readFileSync(join(repoRoot, "README.md"), "utf8") });
    expect(checkCommandMentions(prose, "ml-automation").map((problem) => problem.message)).toEqual([]);
  });

  it("give each agent the release touches exactly one Agent Report Bus heading outside code", () => {
    for (const agent of ["mlops-engineer", "eda-analyst", "feature-engineering-analyst", "developer"]) {
      const text = docs.get(`agents/${agent}.md`)?.text ?? "";
      const headings = listHeadings(parseMarkdown(text)).filter((heading) => heading.depth === 2 && heading.text.startsWith("Agent Report Bus"));
      expect(headings.map((heading) => heading.text), agent).toEqual(["Agent Report Bus (v1.2.0)"]);
    }
    const advisor = docs.get("agents/ml-theory-advisor.md")?.text ?? "";
    expect(listHeadings(parseMarkdown(advisor)).map((heading) => heading.text)).toContain("Reflection Mode (v1.2.1)");
  });

  it("stage the coldstart workflow 1 to 9, in order, and every Stage reference resolves", () => {
    const workflow = docs.get(STAGED_WORKFLOW);
    const stages = listStages({ file: STAGED_WORKFLOW, text: workflow?.text ?? "", tree: parseMarkdown(workflow?.text ?? "") });
    expect(stages.map((stage) => stage.label)).toEqual(["1", "2a", "2b", "2c", "3", "3b", "4", "4b", "5", "5b", "6", "7", "8", "9"]);
    expect(checkStages(docs).map((problem) => problem.message)).toEqual([]);
  });

  it("stage references that do not resolve are caught", () => {
    const broken = new Map(docs);
    broken.set("agents/developer.md", { file: "agents/developer.md", text: "See Stage 10 and Stage 5c.\n" });
    expect(checkStages(broken).map((problem) => problem.message)).toEqual([
      expect.stringContaining("agents/developer.md:1: refers to Stage 10"),
      expect.stringContaining("agents/developer.md:1: refers to Stage 5c"),
    ]);
  });

  it("agree on the manifests' name and version, and Cursor's rules hold", () => {
    const manifests = parseManifests(sources.manifests);
    const entry = (manifests.marketplace?.data.plugins as Array<Record<string, unknown>>)[0];
    expect([manifests.claude.data.version, manifests.cursor?.data.version, entry?.version]).toEqual(["1.2.1", "1.2.1", "1.2.1"]);
    expect([manifests.cursor?.data.name, entry?.name]).toEqual(["ml-automation", "ml-automation"]);
    expect(manifests.cursor && checkCursorManifest(manifests.cursor, repoRoot).map((problem) => problem.message)).toEqual([]);
  });

  it("document 1.2.1 in the plugin README with a table of all 11 skills", () => {
    const tree = parseMarkdown(docs.get("README.md")?.text ?? "");
    expect(listHeadings(tree).map((heading) => heading.text)).toEqual(expect.arrayContaining(["Install", "Usage", "Skills", "What's New in v1.2.1"]));
    const table = tree.children.find((node) => node.type === "table");
    expect(table?.type === "table" && table.children.length - 1).toBe(11);
  });

  it("keep the runtime as section templates 1 to 8 after a preamble", () => {
    expect(sources.runtime?.kind).toBe("templates");
    const names = sources.runtime?.kind === "templates" ? sources.runtime.files.map((file) => file.file.split("/").pop()) : [];
    expect(names).toEqual([
      "00-preamble.py", "01-data-loading.py", "02-column-types.py", "03-preprocessing.py", "04-split.py",
      "05-evaluation.py", "06-eda-reports.py", "07-report-bus.py", "08-reflection.py",
    ]);
  });
});
