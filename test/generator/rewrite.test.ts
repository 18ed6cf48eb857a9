/** Rewrites: one phrase in one section's prose, never in code; errors by ruleId and source position. */
import { describe, expect, it } from "vitest";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkRewrite } from "../../generator/rewrite.ts";
import { applyTo, problems, released } from "./apply-helpers.ts";

const TEXT = `# Flow

### Stage 5b: Review

Run \`continue with Stage 6\` in code is not prose.

\`\`\`
continue with Stage 6
\`\`\`

When done, continue with Stage 6.

### Stage 6: Dashboard

Then continue with Stage 6 is not in 5b.
`;
const rewrite = { section: { depth: 3, text: /^Stage 5b:/ }, from: "continue with Stage 6", to: "continue with Stage 5c" };

describe("rewrites", () => {
  it("change the one occurrence in prose of the section, not code nor other sections", () => {
    const result = applyTo(TEXT, [], [rewrite]);
    expect(result.ok && result.text).toBe(TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 5c."));
    expect(result.ok && result.edits).toEqual([expect.objectContaining({ action: "replaced", line: 11 })]);
    const again = applyTo(result.ok ? result.text : "", [], [rewrite]);
    expect(again.ok && again.edits[0]?.action).toBe("unchanged");
  });

  it("take the first of several alternative sections that exists", () => {
    const alternatives = { ...rewrite, section: [{ depth: 2 as const, text: "Review" }, { depth: "any" as const, text: /^Stage 5b:/ }] };
    expect(released(TEXT, [], [alternatives])).toBe(TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 5c."));
  });

  it("refuse an ambiguous phrase (at the second occurrence) and a missing one (at the section)", () => {
    const twice = TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 6. Or continue with Stage 6.");
    expect(problems(twice, [], [rewrite])).toEqual([{ ruleId: "rewrite-ambiguous", line: 11, column: 38, file: "agents/x.md" }]);
    const missing = TEXT.replace("When done, continue with Stage 6.", "When done, stop.");
    expect(problems(missing, [], [rewrite])).toEqual([{ ruleId: "rewrite-missing", line: 3, column: 1, file: "agents/x.md" }]);
  });

  it("stay idempotent when the new phrase contains the old one", () => {
    const widen = { ...rewrite, from: "continue with Stage 6", to: "continue with Stage 6 (after 5c)" };
    const once = released(TEXT, [], [widen]);
    expect(once).toContain("When done, continue with Stage 6 (after 5c).");
    expect(released(once, [], [widen])).toBe(once);
  });

  it("take the first wording of several the section has, each rewritten to its own `to`, and stay idempotent", () => {
    const wordings = { ...rewrite, from: ["go on to Stage 6", "continue with Stage 6"], to: ["go on to Stage 5c", "continue with Stage 5c"] };
    const result = applyTo(TEXT, [], [wordings]);
    expect(result.ok && result.text).toBe(TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 5c."));
    expect(result.ok && result.edits).toEqual([expect.objectContaining({ action: "replaced", label: '"continue with Stage 6" -> "continue with Stage 5c"' })]);
    const again = applyTo(result.ok ? result.text : "", [], [wordings]);
    expect(again.ok && again.edits[0]?.action).toBe("unchanged");
    // The first wording found wins, even when a later one is there too; one `to` serves every wording.
    const both = TEXT.replace("When done, continue with Stage 6.", "When done, go on to Stage 6 or continue with Stage 6.");
    expect(released(both, [], [{ ...rewrite, from: ["go on to Stage 6", "continue with Stage 6"], to: "proceed to Stage 5c" }])).toContain("When done, proceed to Stage 5c or continue with Stage 6.");
    const missing = TEXT.replace("When done, continue with Stage 6.", "When done, stop.");
    expect(problems(missing, [], [wordings])).toEqual([{ ruleId: "rewrite-missing", line: 3, column: 1, file: "agents/x.md" }]);
    const reason = applyTo(missing, [], [wordings]);
    expect(reason.ok ? "" : reason.errors[0]?.reason).toContain('neither "go on to Stage 6" (or "continue with Stage 6") nor "go on to Stage 5c" (or "continue with Stage 5c") occurs');
  });

  it("are checked on a released text", () => {
    expect(() => checkRewrite({ file: "f.md", text: TEXT, tree: parseMarkdown(TEXT) }, { file: "f.md", ...rewrite })).toThrowError(
      expect.objectContaining({ ruleId: "rewrite-check", line: 11, column: 12 }),
    );
  });
});
