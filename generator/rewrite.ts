/**
 * Rewriting a phrase in one section, such as the step that sends the reader to the stage a release
 * moves. Phrases inside code, HTML or frontmatter are never touched.
 */
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError, pointOfOffset } from "./errors.ts";
import { literalRanges, sectionRange, type HeadingInfo } from "./markdown.ts";
import { isMissingAnchor, type Point, type Splice } from "./placements.ts";
import { alternatives, describeHeading, type HeadingRef, type Rewrite } from "./release.ts";

/** True when `error` says an edit's target is not in the document (its anchor, or a rewrite's phrase): an optional edit then has nothing to do. */
export function isAbsentTarget(error: unknown): boolean {
  return isMissingAnchor(error) || (error instanceof SourceError && error.ruleId === "rewrite-missing");
}

/** The section of a rewrite: the first of its alternatives the document has. */
function rewriteSection(doc: Doc, rewrite: Rewrite): { ref: HeadingRef; heading: HeadingInfo } {
  const refs = alternatives(rewrite.section);
  let missing: unknown;
  for (const ref of refs) {
    try {
      return { ref, heading: resolveHeading(doc, ref, "rewrite") };
    } catch (error) {
      if (!isMissingAnchor(error)) throw error;
      missing ??= error;
    }
  }
  if (refs.length === 1) throw missing;
  throw new SourceError(doc.file, `none of the sections of rewrite "${rewrite.from}" exists: ${refs.map(describeHeading).join(", ")}`, undefined, {
    ruleId: "anchor-missing",
    actual: refs.map(describeHeading).join(" | "),
  });
}

/** Offsets of `phrase` in the section, outside code, HTML and frontmatter. */
function occurrences(doc: Doc, heading: HeadingInfo, phrase: string): number[] {
  const range = sectionRange(doc.tree, heading, doc.text.length);
  const literals = literalRanges(doc.tree);
  const found: number[] = [];
  for (let at = doc.text.indexOf(phrase, range.start); at !== -1 && at + phrase.length <= range.end; at = doc.text.indexOf(phrase, at + 1)) {
    if (!literals.some((literal) => at >= literal.start && at < literal.end)) found.push(at);
  }
  return found;
}

/** Occurrences of `from` that are not part of an occurrence of `to` (when `to` contains `from`, a released text still holds it). */
function pending(doc: Doc, heading: HeadingInfo, rewrite: Rewrite): number[] {
  const inside = rewrite.to.indexOf(rewrite.from);
  if (inside === -1) return occurrences(doc, heading, rewrite.from);
  const done = new Set(occurrences(doc, heading, rewrite.to).map((offset) => offset + inside));
  return occurrences(doc, heading, rewrite.from).filter((offset) => !done.has(offset));
}

/** A located rewrite: the section's heading (for messages) and the splice, or null when already applied. */
export interface LocatedRewrite {
  point: Point;
  splice: Splice | null;
}

/**
 * Locates the one occurrence of `rewrite.from` in its section and returns the splice that replaces
 * it with `rewrite.to`. When `from` is gone and `to` is present (an already released document), the
 * splice is null. Throws SourceError: `anchor-missing` when no section exists, `rewrite-ambiguous`
 * when `from` occurs several times, `rewrite-missing` when neither phrase is there.
 */
export function locateRewrite(doc: Doc, rewrite: Rewrite): LocatedRewrite {
  const { ref, heading } = rewriteSection(doc, rewrite);
  const from = pending(doc, heading, rewrite);
  const [at, second] = from;
  const section = describeHeading(ref);
  if (from.length === 1 && at !== undefined) return { point: pointOfOffset(doc.text, at), splice: { start: at, end: at + rewrite.from.length, insert: rewrite.to } };
  if (second !== undefined) {
    const points = from.map((offset) => pointOfOffset(doc.text, offset));
    const where = points.map((point) => `${point.line}:${point.column}`).join(", ");
    const point = pointOfOffset(doc.text, second);
    throw new SourceError(doc.file, `"${rewrite.from}" occurs ${from.length} times in section \`${section}\` (at ${where}), expected once`, point.line, {
      column: point.column,
      ruleId: "rewrite-ambiguous",
      actual: rewrite.from,
    });
  }
  const done = occurrences(doc, heading, rewrite.to);
  if (done.length === 0) {
    throw new SourceError(doc.file, `neither "${rewrite.from}" nor "${rewrite.to}" occurs in section \`${section}\` (outside code)`, heading.line, {
      column: heading.column,
      ruleId: "rewrite-missing",
      actual: rewrite.from,
    });
  }
  return { point: pointOfOffset(doc.text, done[0] ?? 0), splice: null };
}

/** Checks that the section no longer holds `from` and holds `to`: returns the line of `to`; throws SourceError `rewrite-check` otherwise. */
export function checkRewrite(doc: Doc, rewrite: Rewrite): number {
  const { ref, heading } = rewriteSection(doc, rewrite);
  const section = describeHeading(ref);
  const [from] = pending(doc, heading, rewrite);
  if (from !== undefined) {
    const point = pointOfOffset(doc.text, from);
    throw new SourceError(doc.file, `section \`${section}\` still says "${rewrite.from}"`, point.line, { column: point.column, ruleId: "rewrite-check", actual: rewrite.from });
  }
  const [to] = occurrences(doc, heading, rewrite.to);
  if (to === undefined) throw new SourceError(doc.file, `section \`${section}\` does not say "${rewrite.to}"`, heading.line, { column: heading.column, ruleId: "rewrite-check", actual: rewrite.to });
  return pointOfOffset(doc.text, to).line;
}
