import { describe, expect, it } from "vitest";
import type { Doc } from "../../generator/anchor.ts";
import { SourceError } from "../../generator/errors.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import type { Rewrite } from "../../generator/release.ts";
import { applyRewrite, checkRewrite } from "../../generator/rewrite.ts";

const doc = (text: string): Doc => ({ file: "commands/flow.md", text, tree: parseMarkdown(text) });
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
const rewrite: Rewrite = { file: "commands/flow.md", section: { depth: 3, text: /^Stage 5b:/ }, from: "continue with Stage 6", to: "continue with Stage 5c" };

describe("rewrites", () => {
  it("change the one occurrence in prose of the section, not code nor other sections", () => {
    const result = applyRewrite(doc(TEXT), rewrite);
    expect(result.action).toBe("replaced");
    expect(result.text).toBe(TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 5c."));
    expect(result.line).toBe(11);
    expect(checkRewrite(doc(result.text), rewrite)).toEqual({ ok: true, line: 11 });
    const again = applyRewrite(doc(result.text), rewrite);
    expect(again.action).toBe("unchanged");
    expect(again.text).toBe(result.text);
  });

  it("refuse an ambiguous phrase and a phrase that is missing", () => {
    const twice = TEXT.replace("When done, continue with Stage 6.", "When done, continue with Stage 6. Or continue with Stage 6.");
    expect(() => applyRewrite(doc(twice), rewrite)).toThrowError(/occurs 2 times in section `### \/\^Stage 5b:\/` \(lines 11, 11\)/);
    const missing = TEXT.replace("When done, continue with Stage 6.", "When done, stop.");
    expect(() => applyRewrite(doc(missing), rewrite)).toThrowError(SourceError);
    expect(() => applyRewrite(doc(missing), rewrite)).toThrowError(/neither "continue with Stage 6" nor "continue with Stage 5c"/);
    const check = checkRewrite(doc(TEXT), rewrite);
    expect(!check.ok && check.error.message).toContain('still says "continue with Stage 6"');
  });
});
