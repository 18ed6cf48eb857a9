/** Anchoring on the syntax tree: every placement kind, code look-alikes, idempotency, CRLF, and errors by ruleId and source position. */
import { describe, expect, it } from "vitest";
import type { Placement } from "../../generator/release.ts";
import { applyTo, problems, released } from "./apply-helpers.ts";

const bus = { depth: 2, text: /^Agent Report Bus\b/ };
const before: Placement = { kind: "before", heading: bus };
const SECTION = "## Data Versioning (v1.3.0)\n\nFingerprint the data.\n\n### Example\n\nCode here.\n";

const AGENT = `---
name: x
description: "Mentions ## Agent Report Bus in frontmatter"
---

You are x.

## Method

Run this:

\`\`\`markdown
## Agent Report Bus (v1.2.0)
this fence is not a heading
\`\`\`

    ## Agent Report Bus (indented code, not a heading)

<div>
## Agent Report Bus (inside HTML)
</div>

## Agent Report Bus (v1.2.0)

Save your report.
`;

describe("before a heading", () => {
  it("inserts directly before the one real heading, ignoring code, HTML and frontmatter look-alikes", () => {
    const result = applyTo(AGENT, [{ placement: before, fragment: SECTION }]);
    const anchorAt = AGENT.lastIndexOf("## Agent Report Bus (v1.2.0)");
    expect(result.ok && result.text).toBe(AGENT.slice(0, anchorAt) + SECTION + "\n" + AGENT.slice(anchorAt));
    expect(result.ok && result.edits).toEqual([expect.objectContaining({ action: "inserted", line: 23, label: "## Data Versioning (v1.3.0)" })]);
  });

  it("is idempotent, and replaces an earlier version of the section in place", () => {
    const once = released(AGENT, [{ placement: before, fragment: SECTION }]);
    const twice = applyTo(once, [{ placement: before, fragment: SECTION }]);
    expect(twice.ok && twice.text).toBe(once);
    expect(twice.ok && twice.edits[0]?.action).toBe("unchanged");
    const revised = applyTo(once, [{ placement: before, fragment: SECTION.replace("Fingerprint the data.", "Fingerprint every cell.") }]);
    expect(revised.ok && revised.edits[0]?.action).toBe("replaced");
    expect(revised.ok && revised.text).toBe(once.replace("Fingerprint the data.", "Fingerprint every cell."));
  });

  it("refuses an anchor present only inside code (anchor-missing, no position: the heading does not exist)", () => {
    const onlyInCode = AGENT.replace(/\n## Agent Report Bus \(v1\.2\.0\)\n\nSave your report\.\n$/, "\n");
    const result = applyTo(onlyInCode, [{ placement: before, fragment: SECTION }]);
    expect(!result.ok && result.errors.map((error) => [error.ruleId, error.line, error.file])).toEqual([["anchor-missing", undefined, "agents/x.md"]]);
    // The message names the look-alikes inside code and the headings that exist, by source line:column.
    expect(!result.ok && result.errors[0]?.reason).toMatch(/inside code \(not a heading\) is at 13:1, 17:5, 20:1/);
    expect(!result.ok && result.errors[0]?.reason).toContain("8:1  ## Method");
  });

  it("refuses an anchor that matches twice, at the second match", () => {
    const twice = AGENT + "\n## Agent Report Bus (v1.2.1)\n\nAgain.\n";
    expect(problems(twice, [{ placement: before, fragment: SECTION }])).toEqual([{ ruleId: "anchor-ambiguous", line: 27, column: 1, file: "agents/x.md" }]);
  });

  it("refuses a section that is already there twice, at the second copy", () => {
    const once = released(AGENT, [{ placement: before, fragment: SECTION }]);
    const doubled = once.replace("Save your report.", `Save your report.\n\n${SECTION}`);
    expect(problems(doubled, [{ placement: before, fragment: SECTION }])).toEqual([{ ruleId: "fragment-duplicate", line: 35, column: 1, file: "agents/x.md" }]);
  });

  it("keeps CRLF line endings, also inside the inserted fragment", () => {
    const crlf = AGENT.replace(/\n/g, "\r\n");
    const result = released(crlf, [{ placement: before, fragment: SECTION }]);
    expect(result.replace(/\r\n/g, "")).not.toContain("\n");
    expect(result.replace(/\r\n/g, "\n")).toBe(released(AGENT, [{ placement: before, fragment: SECTION }]));
    expect(released(result, [{ placement: before, fragment: SECTION }])).toBe(result);
  });
});

const WORKFLOW = `# /team-coldstart

Stage order: 1 → 5b → 6.

### Stage 5b: Review

1. **Spawn reviewer** on the code.
   Writes: the report.
2. **Spawn advisor** on the metrics.

When both reviews are in, continue with Stage 6.

### Stage 6: Dashboard

Build it.`;

const STAGE_5C = "### Stage 5c: Registry\n\nValidate the registries.\n";
const after5b: Placement = { kind: "endOfSection", heading: { depth: 3, text: /^Stage 5b:/ } };

describe("end of a section", () => {
  it("puts a sibling section between the section and the next heading of its depth", () => {
    const result = released(WORKFLOW, [{ placement: after5b, fragment: STAGE_5C }]);
    const next = WORKFLOW.indexOf("### Stage 6");
    expect(result).toBe(WORKFLOW.slice(0, next) + STAGE_5C + "\n" + WORKFLOW.slice(next));
    expect(released(result, [{ placement: after5b, fragment: STAGE_5C }])).toBe(result);
  });

  it("puts a deeper section at the end of the section, after its subsections", () => {
    const text = "# Title\n\n## Setup\n\nIntro.\n\n### Python\n\nUse 3.11.\n\n## Usage\n\nRun it.\n";
    const placement: Placement = { kind: "endOfSection", heading: { depth: 2, text: "Setup" } };
    const result = released(text, [{ placement, fragment: "### Registry\n\nWhere it lives." }]);
    expect(result).toBe(text.replace("## Usage", "### Registry\n\nWhere it lives.\n\n## Usage"));
  });

  it("appends when the section runs to the end of a document without a final newline", () => {
    const placement: Placement = { kind: "endOfSection", heading: { depth: 3, text: /^Stage 6:/ } };
    expect(released(WORKFLOW, [{ placement, fragment: "#### Notes\n\nMore." }])).toBe(WORKFLOW + "\n\n#### Notes\n\nMore.\n");
  });
});

describe("end of document", () => {
  const end: Placement = { kind: "endOfDocument" };
  it.each([
    ["no final newline", "# Skill\n\nBody.", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
    ["one final newline", "# Skill\n\nBody.\n", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
    ["a blank line at the end", "# Skill\n\nBody.\n\n", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
  ])("appends after %s, once", (_name, text, expected) => {
    const result = released(text, [{ placement: end, fragment: "## MLOps (v1.3.0)\n\nUse /registry.\n" }]);
    expect(result).toBe(expected);
    expect(released(result, [{ placement: end, fragment: "## MLOps (v1.3.0)\n\nUse /registry.\n" }])).toBe(expected);
  });
});

describe("inside a list item", () => {
  const note = "**MLOps (v1.3.0):** the reviewer also records\nits findings.";
  const placement: Placement = { kind: "inListItem", section: { depth: 3, text: /^Stage 5b:/ }, item: /\breviewer\b/ };

  it("adds an indented paragraph as the item's last block, without touching other bytes", () => {
    const result = applyTo(WORKFLOW, [{ placement, fragment: note }]);
    const itemEnd = WORKFLOW.indexOf("   Writes: the report.") + "   Writes: the report.".length;
    expect(result.ok && result.text).toBe(WORKFLOW.slice(0, itemEnd) + "\n\n   **MLOps (v1.3.0):** the reviewer also records\n   its findings.\n" + WORKFLOW.slice(itemEnd));
    expect(result.ok && result.edits[0]?.line).toBe(10);
    expect(result.ok && released(result.text, [{ placement, fragment: note }])).toBe(result.ok && result.text);
  });

  it("refuses an item pattern matching no item (at the section heading) or several (at the second)", () => {
    expect(problems(WORKFLOW, [{ placement: { ...placement, item: /\bdeveloper\b/ }, fragment: note }])).toEqual([{ ruleId: "anchor-missing", line: 5, column: 1, file: "agents/x.md" }]);
    expect(problems(WORKFLOW, [{ placement: { ...placement, item: /Spawn/ }, fragment: note }])).toEqual([{ ruleId: "anchor-ambiguous", line: 9, column: 1, file: "agents/x.md" }]);
  });

  it("requires the fragment to be one paragraph opening with bold text (fragment-shape, in the template)", () => {
    expect(problems(WORKFLOW, [{ placement, fragment: "Plain note." }])).toEqual([{ ruleId: "fragment-shape", line: 1, column: 1, file: "fragment-1.md" }]);
  });
});

describe("a table row", () => {
  const readme = "# Plugin\n\n## Skills\n\n| Skill | What |\n| --- | --- |\n| `eda` | Explore |\n\n## License\n\nMIT\n";
  const placement: Placement = { kind: "tableRow", section: { depth: 2, text: "Skills" } };
  const row = "| `registry` | Inspect registries |";

  it("appends the row once and replaces it on a second release", () => {
    const result = released(readme, [{ placement, fragment: row }]);
    expect(result).toBe(readme.replace("| `eda` | Explore |", "| `eda` | Explore |\n" + row));
    expect(released(result, [{ placement, fragment: row }])).toBe(result);
    expect(released(result, [{ placement, fragment: "| `registry` | Inspect the registries |" }])).toBe(result.replace("Inspect registries", "Inspect the registries"));
  });

  it("writes the row in the host table's style (here: no cell padding)", () => {
    const compact = readme.replace("| Skill | What |\n| --- | --- |\n| `eda` | Explore |", "|Skill|What|\n|---|---|\n|`eda`|Explore|");
    expect(released(compact, [{ placement, fragment: row }])).toBe(compact.replace("|`eda`|Explore|", "|`eda`|Explore|\n|`registry`|Inspect registries|"));
  });

  it("writes the row without outer pipes when the host table has none (padded or not)", () => {
    const bare = readme.replace("| Skill | What |\n| --- | --- |\n| `eda` | Explore |", "Skill | What\n:--- | ---:\n`eda` | Explore");
    const once = released(bare, [{ placement, fragment: row }]);
    expect(once).toBe(bare.replace("`eda` | Explore", "`eda` | Explore\n`registry` | Inspect registries"));
    expect(released(once, [{ placement, fragment: row }])).toBe(once);
    const tight = readme.replace("| Skill | What |\n| --- | --- |\n| `eda` | Explore |", "Skill|What\n---|---\n`eda`|Explore");
    expect(released(tight, [{ placement, fragment: "| `a\\|b` | Pipes |" }])).toBe(tight.replace("`eda`|Explore", "`eda`|Explore\n`a\\|b`|Pipes"));
  });
});

describe("fragment shapes", () => {
  it("requires section fragments to start with their heading", () => {
    expect(problems(AGENT, [{ placement: before, fragment: "Some text first.\n\n## Heading" }])[0]?.ruleId).toBe("fragment-shape");
  });
});
