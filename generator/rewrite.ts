/**
 * Rewriting a phrase in one section, such as the step that sends the reader to the stage a release
 * moves. A rewrite may name several wordings (trees say the same thing differently): the first the
 * section has is the one rewritten. Phrases inside code, HTML or frontmatter are never touched.
 */
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError, pointOfOffset } from "./errors.ts";
import { literalRanges, sectionRange, type HeadingInfo } from "./markdown.ts";
import { isMissingAnchor, type Point, type Splice } from "./placements.ts";
import { alternatives, describeHeading, rewritePhrases, type HeadingRef, type Rewrite } from "./release.ts";

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
  throw new SourceError(doc.file, `none of the sections of rewrite "${rewritePhrases(rewrite)[0]?.from}" exists: ${refs.map(describeHeading).join(", ")}`, undefined, {
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
function pending(doc: Doc, heading: HeadingInfo, phrase: Phrase): number[] {
  const inside = phrase.to.indexOf(phrase.from);
  if (inside === -1) return occurrences(doc, heading, phrase.from);
  const done = new Set(occurrences(doc, heading, phrase.to).map((offset) => offset + inside));
  return occurrences(doc, heading, phrase.from).filter((offset) => !done.has(offset));
}

/** One wording of a rewrite and what it becomes. */
type Phrase = { from: string; to: string };

/**
 * The phrase of a rewrite this section uses: the first of its alternatives whose `from` is still
 * there or whose `to` already is, with the occurrences of `from` left to rewrite; undefined when the
 * section holds none of them.
 */
function choosePhrase(doc: Doc, heading: HeadingInfo, rewrite: Rewrite): { phrase: Phrase; from: number[] } | undefined {
  for (const phrase of rewritePhrases(rewrite)) {
    const from = pending(doc, heading, phrase);
    if (from.length || occurrences(doc, heading, phrase.to).length) return { phrase, from };
  }
  return undefined;
}

/** The phrases of a rewrite for messages: `"a"` or `"a" (or "b")`. */
function quoted(phrases: string[]): string {
  const [first, ...rest] = [...new Set(phrases)].map((phrase) => `"${phrase}"`);
  return rest.length ? `${first} (or ${rest.join(", or ")})` : (first ?? "");
}

/** Labels a rewrite for the build report: the phrase it rewrote, or its first. */
export function rewriteLabel(phrase: Phrase): string {
  return `"${phrase.from}" -> "${phrase.to}"`;
}

/** A located rewrite: the phrase used, the section's heading (for messages) and the splice, or null when already applied. */
export interface LocatedRewrite {
  phrase: Phrase;
  point: Point;
  splice: Splice | null;
}

/**
 * Locates the one occurrence of the rewrite's phrase in its section (the first of its alternative
 * wordings the section has) and returns the splice that replaces it with its `to`. When `from` is gone
 * and `to` is present (an already released document), the splice is null. Throws SourceError:
 * `anchor-missing` when no section exists, `rewrite-ambiguous` when `from` occurs several times,
 * `rewrite-missing` when no phrase is there.
 */
export function locateRewrite(doc: Doc, rewrite: Rewrite): LocatedRewrite {
  const { ref, heading } = rewriteSection(doc, rewrite);
  const section = describeHeading(ref);
  const chosen = choosePhrase(doc, heading, rewrite);
  if (!chosen) {
    const phrases = rewritePhrases(rewrite);
    throw new SourceError(doc.file, `neither ${quoted(phrases.map((phrase) => phrase.from))} nor ${quoted(phrases.map((phrase) => phrase.to))} occurs in section \`${section}\` (outside code)`, heading.line, {
      column: heading.column,
      ruleId: "rewrite-missing",
      actual: phrases[0]?.from,
    });
  }
  const { phrase, from } = chosen;
  const [at, second] = from;
  if (from.length === 1 && at !== undefined) return { phrase, point: pointOfOffset(doc.text, at), splice: { start: at, end: at + phrase.from.length, insert: phrase.to } };
  if (second !== undefined) {
    const points = from.map((offset) => pointOfOffset(doc.text, offset));
    const where = points.map((point) => `${point.line}:${point.column}`).join(", ");
    const point = pointOfOffset(doc.text, second);
    throw new SourceError(doc.file, `"${phrase.from}" occurs ${from.length} times in section \`${section}\` (at ${where}), expected once`, point.line, {
      column: point.column,
      ruleId: "rewrite-ambiguous",
      actual: phrase.from,
    });
  }
  return { phrase, point: pointOfOffset(doc.text, occurrences(doc, heading, phrase.to)[0] ?? 0), splice: null };
}

/** Checks that the section no longer holds the rewrite's `from` and holds its `to`: returns the line of `to`; throws SourceError `rewrite-check` otherwise. */
export function checkRewrite(doc: Doc, rewrite: Rewrite): number {
  const { ref, heading } = rewriteSection(doc, rewrite);
  const section = describeHeading(ref);
  const chosen = choosePhrase(doc, heading, rewrite);
  const [pendingAt] = chosen?.from ?? [];
  if (chosen && pendingAt !== undefined) {
    const point = pointOfOffset(doc.text, pendingAt);
    throw new SourceError(doc.file, `section \`${section}\` still says "${chosen.phrase.from}"`, point.line, { column: point.column, ruleId: "rewrite-check", actual: chosen.phrase.from });
  }
  const [to] = chosen ? occurrences(doc, heading, chosen.phrase.to) : [];
  if (to === undefined) {
    const phrases = rewritePhrases(rewrite).map((phrase) => phrase.to);
    throw new SourceError(doc.file, `section \`${section}\` does not say ${quoted(phrases)}`, heading.line, { column: heading.column, ruleId: "rewrite-check", actual: phrases[0] });
  }
  return pointOfOffset(doc.text, to).line;
}
