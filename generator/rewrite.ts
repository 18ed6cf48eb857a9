/**
 * Rewriting a phrase in one section, such as the step that sends the reader to the stage a release
 * moves. Phrases inside code, HTML or frontmatter are never touched.
 */
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError, lineOfOffset } from "./errors.ts";
import type { EditResult } from "./insert.ts";
import type { PlacementCheck } from "./placement.ts";
import { literalRanges, sectionRange } from "./markdown.ts";
import { describeHeading, type Rewrite } from "./release.ts";

/** Offsets of `phrase` in the rewrite's section, outside code, HTML and frontmatter. */
function occurrences(doc: Doc, rewrite: Rewrite, phrase: string): number[] {
  const range = sectionRange(doc.tree, resolveHeading(doc, rewrite.section, "rewrite"), doc.text.length);
  const literals = literalRanges(doc.tree);
  const found: number[] = [];
  for (let at = doc.text.indexOf(phrase, range.start); at !== -1 && at + phrase.length <= range.end; at = doc.text.indexOf(phrase, at + 1)) {
    if (!literals.some((literal) => at >= literal.start && at < literal.end)) found.push(at);
  }
  return found;
}

/**
 * Replaces the one occurrence of `rewrite.from` in its section with `rewrite.to`. When `from` is gone
 * and `to` is present (an already released document), changes nothing. Throws SourceError when the
 * section is missing, or `from` occurs several times, or neither phrase is there.
 */
export function applyRewrite(doc: Doc, rewrite: Rewrite): EditResult {
  const from = occurrences(doc, rewrite, rewrite.from);
  const [at] = from;
  if (from.length === 1 && at !== undefined) {
    const text = doc.text.slice(0, at) + rewrite.to + doc.text.slice(at + rewrite.from.length);
    return { text, line: lineOfOffset(text, at), action: "replaced" };
  }
  const section = describeHeading(rewrite.section);
  if (from.length > 1) {
    const lines = from.map((offset) => lineOfOffset(doc.text, offset)).join(", ");
    throw new SourceError(doc.file, `"${rewrite.from}" occurs ${from.length} times in section \`${section}\` (lines ${lines}), expected once`, lineOfOffset(doc.text, from[1] ?? 0));
  }
  const done = occurrences(doc, rewrite, rewrite.to);
  if (done.length === 0) throw new SourceError(doc.file, `neither "${rewrite.from}" nor "${rewrite.to}" occurs in section \`${section}\` (outside code)`);
  return { text: doc.text, line: lineOfOffset(doc.text, done[0] ?? 0), action: "unchanged" };
}

/** Checks that the section no longer holds `from` and holds `to`: returns the line of `to`, or what is wrong. */
export function checkRewrite(doc: Doc, rewrite: Rewrite): PlacementCheck {
  try {
    const section = describeHeading(rewrite.section);
    const from = occurrences(doc, rewrite, rewrite.from);
    if (from.length > 0) return { ok: false, error: new SourceError(doc.file, `section \`${section}\` still says "${rewrite.from}"`, lineOfOffset(doc.text, from[0] ?? 0)) };
    const [to] = occurrences(doc, rewrite, rewrite.to);
    if (to === undefined) return { ok: false, error: new SourceError(doc.file, `section \`${section}\` does not say "${rewrite.to}"`) };
    return { ok: true, line: lineOfOffset(doc.text, to) };
  } catch (error) {
    if (error instanceof SourceError) return { ok: false, error };
    throw error;
  }
}
