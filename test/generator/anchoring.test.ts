import { describe, expect, it } from "vitest";
import type { Doc } from "../../generator/anchor.ts";
import { SourceError } from "../../generator/errors.ts";
import { fragmentIdentity } from "../../generator/fragment.ts";
import { applyInsertion, type EditResult } from "../../generator/insert.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkPlacement } from "../../generator/placement.ts";
import type { Placement } from "../../generator/release.ts";

const doc = (text: string): Doc => ({ file: "agents/x.md", text, tree: parseMarkdown(text) });
const bus = { depth: 2, text: /^Agent Report Bus\b/ };
const before: Placement = { kind: "before", heading: bus };
const SECTION = "## Data Versioning (v1.3.0)\n\nFingerprint the data.\n\n### Example\n\nCode here.\n";

function insert(text: string, placement: Placement, fragment: string): EditResult {
  return applyInsertion(doc(text), placement, "fragments/test.md.hbs", fragment);
}

function placed(text: string, placement: Placement, fragment: string) {
  return checkPlacement(doc(text), placement, fragmentIdentity("fragments/test.md.hbs", placement, fragment));
}

function errorOf(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error("expected a SourceError");
}

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
    const result = insert(AGENT, before, SECTION);
    const anchorAt = AGENT.lastIndexOf("## Agent Report Bus (v1.2.0)");
    expect(result.action).toBe("inserted");
    expect(result.text.slice(0, anchorAt)).toBe(AGENT.slice(0, anchorAt));
    expect(result.text.endsWith(AGENT.slice(anchorAt))).toBe(true);
    expect(result.text.slice(anchorAt, anchorAt + SECTION.length + 1)).toBe(SECTION + "\n");
    expect(result.line).toBe(AGENT.slice(0, anchorAt).split("\n").length);
    expect(placed(result.text, before, SECTION)).toEqual({ ok: true, line: result.line });
  });

  it("is idempotent, and replaces an earlier version of the section in place", () => {
    const once = insert(AGENT, before, SECTION).text;
    const twice = insert(once, before, SECTION);
    expect(twice.action).toBe("unchanged");
    expect(twice.text).toBe(once);
    const revised = SECTION.replace("Fingerprint the data.", "Fingerprint every cell.");
    const updated = insert(once, before, revised);
    expect(updated.action).toBe("replaced");
    expect(updated.text).toBe(once.replace("Fingerprint the data.", "Fingerprint every cell."));
  });

  it("refuses an anchor present only inside code, naming the file, the anchor, the look-alike and the real headings", () => {
    const onlyInCode = AGENT.replace(/\n## Agent Report Bus \(v1\.2\.0\)\n\nSave your report\.\n$/, "\n");
    const error = errorOf(() => insert(onlyInCode, before, SECTION));
    expect(error.file).toBe("agents/x.md");
    expect(error.message).toContain("anchor `## /^Agent Report Bus\\b/` (before) not found");
    expect(error.message).toMatch(/a matching line inside code \(not a heading\) is at line 13, line 17, line 20/);
    expect(error.message).toContain("line 8: ## Method");
  });

  it("refuses an anchor that matches twice, listing both", () => {
    const twice = AGENT + "\n## Agent Report Bus (v1.2.1)\n\nAgain.\n";
    const error = errorOf(() => insert(twice, before, SECTION));
    expect(error.message).toMatch(/matches 2 headings, expected exactly one: line 23 "Agent Report Bus \(v1.2.0\)", line 27 "Agent Report Bus \(v1.2.1\)"/);
    expect(error.line).toBe(27);
  });

  it("refuses a section that is already there twice", () => {
    const doubled = insert(AGENT, before, SECTION).text.replace("Save your report.", `Save your report.\n\n${SECTION}`);
    expect(errorOf(() => insert(doubled, before, SECTION)).message).toMatch(/"Data Versioning \(v1.3.0\)" appears 2 times/);
  });

  it("keeps CRLF line endings, also inside the inserted fragment", () => {
    const crlf = AGENT.replace(/\n/g, "\r\n");
    const result = insert(crlf, before, SECTION);
    expect(result.text.replace(/\r\n/g, "")).not.toContain("\n");
    expect(result.text.replace(/\r\n/g, "\n")).toBe(insert(AGENT, before, SECTION).text);
    expect(insert(result.text, before, SECTION).action).toBe("unchanged");
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
    const result = insert(WORKFLOW, after5b, STAGE_5C);
    const next = WORKFLOW.indexOf("### Stage 6");
    expect(result.text).toBe(WORKFLOW.slice(0, next) + STAGE_5C + "\n" + WORKFLOW.slice(next));
    expect(placed(result.text, after5b, STAGE_5C).ok).toBe(true);
    expect(insert(result.text, after5b, STAGE_5C).text).toBe(result.text);
  });

  it("puts a deeper section at the end of the section, after its subsections", () => {
    const text = "# Title\n\n## Setup\n\nIntro.\n\n### Python\n\nUse 3.11.\n\n## Usage\n\nRun it.\n";
    const placement: Placement = { kind: "endOfSection", heading: { depth: 2, text: "Setup" } };
    const result = insert(text, placement, "### Registry\n\nWhere it lives.");
    expect(result.text).toBe(text.replace("## Usage", "### Registry\n\nWhere it lives.\n\n## Usage"));
    expect(placed(result.text, placement, "### Registry\n\nWhere it lives.").ok).toBe(true);
    const misplaced = result.text.replace("### Registry\n\nWhere it lives.\n\n", "").replace("Intro.\n", "Intro.\n\n### Registry\n\nWhere it lives.\n");
    const check = placed(misplaced, placement, "### Registry\n\nWhere it lives.");
    expect(check.ok).toBe(false);
    expect(!check.ok && check.error.message).toMatch(/`### Registry` is at line 7, but belongs at the end of section `## Setup`/);
  });

  it("appends when the section runs to the end of a document without a final newline", () => {
    const placement: Placement = { kind: "endOfSection", heading: { depth: 3, text: /^Stage 6:/ } };
    const result = insert(WORKFLOW, placement, "#### Notes\n\nMore.");
    expect(result.text).toBe(WORKFLOW + "\n\n#### Notes\n\nMore.\n");
  });
});

describe("end of document", () => {
  const end: Placement = { kind: "endOfDocument" };
  it.each([
    ["no final newline", "# Skill\n\nBody.", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
    ["one final newline", "# Skill\n\nBody.\n", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
    ["a blank line at the end", "# Skill\n\nBody.\n\n", "# Skill\n\nBody.\n\n## MLOps (v1.3.0)\n\nUse /registry.\n"],
  ])("appends after %s, once", (_name, text, expected) => {
    const result = insert(text, end, "## MLOps (v1.3.0)\n\nUse /registry.\n");
    expect(result.text).toBe(expected);
    expect(insert(result.text, end, "## MLOps (v1.3.0)\n\nUse /registry.\n").text).toBe(expected);
    expect(placed(result.text, end, "## MLOps (v1.3.0)\n\nUse /registry.\n").ok).toBe(true);
  });

  it("notices when something was added after the section", () => {
    const text = "# Skill\n\n## MLOps (v1.3.0)\n\nUse it.\n\n## Later\n\nText.\n";
    const check = placed(text, end, "## MLOps (v1.3.0)\n\nUse it.");
    expect(!check.ok && check.error.message).toContain("should end the document, but `Later` follows it");
  });
});

describe("inside a list item", () => {
  const note = "**MLOps (v1.3.0):** the reviewer also records\nits findings.";
  const placement: Placement = { kind: "inListItem", section: { depth: 3, text: /^Stage 5b:/ }, item: /\breviewer\b/ };

  it("adds an indented paragraph as the item's last block, without touching other bytes", () => {
    const result = insert(WORKFLOW, placement, note);
    const itemEnd = WORKFLOW.indexOf("   Writes: the report.") + "   Writes: the report.".length;
    expect(result.text).toBe(
      WORKFLOW.slice(0, itemEnd) + "\n\n   **MLOps (v1.3.0):** the reviewer also records\n   its findings.\n" + WORKFLOW.slice(itemEnd),
    );
    expect(placed(result.text, placement, note)).toEqual({ ok: true, line: 10 });
    expect(insert(result.text, placement, note).text).toBe(result.text);
    const list = parseMarkdown(result.text).children.find((node) => node.type === "list");
    expect(list?.type === "list" && list.children.length).toBe(2);
  });

  it("refuses an item pattern matching no item or several, listing the items", () => {
    const none = errorOf(() => insert(WORKFLOW, { ...placement, item: /\bdeveloper\b/ }, note));
    expect(none.message).toMatch(/no list item of section `### \/\^Stage 5b:\/` match \/\\bdeveloper\\b\/.*\n.*line 7: Spawn reviewer on the code\./);
    const several = errorOf(() => insert(WORKFLOW, { ...placement, item: /Spawn/ }, note));
    expect(several.message).toContain("2 list items");
  });

  it("requires the fragment to be one paragraph opening with bold text", () => {
    expect(errorOf(() => insert(WORKFLOW, placement, "Plain note.")).message).toContain("opens with bold text");
  });
});

describe("a table row", () => {
  const readme = "# Plugin\n\n## Skills\n\n| Skill | What |\n| --- | --- |\n| `eda` | Explore |\n\n## License\n\nMIT\n";
  const placement: Placement = { kind: "tableRow", section: { depth: 2, text: "Skills" } };
  const row = "| `registry` | Inspect registries |";

  it("appends the row once and replaces it on a second release", () => {
    const result = insert(readme, placement, row);
    expect(result.text).toBe(readme.replace("| `eda` | Explore |", "| `eda` | Explore |\n" + row));
    expect(insert(result.text, placement, row).text).toBe(result.text);
    const revised = insert(result.text, placement, "| `registry` | Inspect the registries |");
    expect(revised.action).toBe("replaced");
    expect(revised.text).toBe(result.text.replace("Inspect registries", "Inspect the registries"));
  });
});

describe("fragment shapes", () => {
  it("requires section fragments to start with their heading", () => {
    expect(errorOf(() => insert(AGENT, before, "Some text first.\n\n## Heading")).message).toContain("must start with its own heading");
  });
});
