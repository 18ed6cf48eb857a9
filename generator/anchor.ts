/**
 * Resolving anchors: the one heading of a document a release names. Only real headings of the mdast
 * tree count; a `## ...` line inside a code fence, HTML or frontmatter is never an anchor. Positions
 * in messages are those of the text given, which is always the source as read.
 */
import type { Root } from "mdast";
import { SourceError, pointOfOffset } from "./errors.ts";
import { listHeadings, literalRanges, type HeadingInfo } from "./markdown.ts";
import { describeHeading, headingMatches, textMatches, type HeadingRef } from "./release.ts";
import { closest } from "./suggest.ts";

/** A markdown document of the plugin: where it came from (for messages), its text and tree. */
export interface Doc {
  file: string;
  text: string;
  tree: Root;
}

/** Returns every heading of `doc` that `ref` names, in document order. */
export function findHeadings(doc: Doc, ref: HeadingRef): HeadingInfo[] {
  return listHeadings(doc.tree).filter((heading) => headingMatches(ref, heading.depth, heading.text));
}

/** Lists the headings of a document for messages, one per line with line:column. */
export function headingListing(doc: Doc): string {
  const headings = listHeadings(doc.tree);
  if (!headings.length) return "this file has no headings";
  return `headings in this file:\n${headings.map((heading) => `  ${heading.line}:${heading.column}  ${"#".repeat(heading.depth)} ${heading.text}`).join("\n")}`;
}

/**
 * Returns the one heading of `doc` that `ref` names. `purpose` says what the anchor is for (shown in
 * messages). Throws SourceError `anchor-missing` when there is none (listing the headings that exist,
 * and any look-alike line inside code) and `anchor-ambiguous` when there are several (at the second).
 */
export function resolveHeading(doc: Doc, ref: HeadingRef, purpose: string): HeadingInfo {
  const matches = findHeadings(doc, ref);
  const [only, second] = matches;
  if (matches.length === 1 && only) return only;
  const anchor = `anchor \`${describeHeading(ref)}\` (${purpose})`;
  if (second) {
    const where = matches.map((heading) => `${heading.line}:${heading.column} "${heading.text}"`).join(", ");
    throw new SourceError(doc.file, `${anchor} matches ${matches.length} headings, expected exactly one: ${where}`, second.line, {
      column: second.column,
      ruleId: "anchor-ambiguous",
      actual: describeHeading(ref),
    });
  }
  const lookalikes = lookalikesInCode(doc, ref).map((point) => `${point.line}:${point.column}`);
  const hint = lookalikes.length ? `; a matching line inside code (not a heading) is at ${lookalikes.join(", ")}` : suggestHeading(doc, ref);
  throw new SourceError(doc.file, `${anchor} not found${hint}; ${headingListing(doc)}`, undefined, { ruleId: "anchor-missing", actual: describeHeading(ref) });
}

/** The text a pattern spells out, for comparing it with headings: /^Stage 5b:/ -> "Stage 5b:". */
function spelled(pattern: RegExp): string {
  return pattern.source.replace(/\\[bBdDsSwW]|[\^$]/g, "").replace(/\\(.)/g, "$1");
}

/** " (did you mean `## Agent Report Bus (v1.2.0)` at 33:1?)" for the heading closest to what `ref` names (or the same text at another depth); "" when none is close. */
function suggestHeading(doc: Doc, ref: HeadingRef): string {
  const headings = listHeadings(doc.tree);
  const show = (heading: HeadingInfo) => `\`${"#".repeat(heading.depth)} ${heading.text}\` at ${heading.line}:${heading.column}`;
  const otherDepth = headings.find((heading) => textMatches(ref.text, heading.text));
  if (otherDepth) return ` (did you mean depth ${otherDepth.depth}, ${show(otherDepth)}?)`;
  const wanted = typeof ref.text === "string" ? ref.text : spelled(ref.text);
  // A pattern anchored at the start names a heading's beginning: compare with as much of each heading.
  const prefix = typeof ref.text !== "string" && ref.text.source.startsWith("^") && !ref.text.source.endsWith("$");
  const candidates = new Map(headings.map((heading) => [prefix ? heading.text.slice(0, wanted.length) : heading.text, heading]));
  const guess = closest(wanted, candidates.keys());
  const heading = guess === undefined ? undefined : candidates.get(guess);
  return heading ? ` (did you mean ${show(heading)}?)` : "";
}

/** Points inside code, HTML or frontmatter that look like the heading `ref` names. */
function lookalikesInCode(doc: Doc, ref: HeadingRef): Array<{ line: number; column: number }> {
  const points: Array<{ line: number; column: number }> = [];
  const pattern = /^[ \t]*(#{1,6})[ \t]+(.*?)[ \t#]*$/gm;
  const literals = literalRanges(doc.tree);
  for (const match of doc.text.matchAll(pattern)) {
    const offset = match.index ?? 0;
    const inLiteral = literals.some((range) => offset >= range.start && offset < range.end);
    const indent = match[0].length - match[0].trimStart().length;
    if (inLiteral && headingMatches(ref, match[1]?.length ?? 0, (match[2] ?? "").trim())) points.push(pointOfOffset(doc.text, offset + indent));
  }
  return points;
}
