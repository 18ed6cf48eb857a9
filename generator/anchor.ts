/**
 * Resolving anchors: the one heading of a document a release names. Only real headings of the mdast
 * tree count; a `## ...` line inside a code fence, HTML or frontmatter is never an anchor.
 */
import type { Root } from "mdast";
import { SourceError, lineOfOffset } from "./errors.ts";
import { listHeadings, literalRanges, type HeadingInfo } from "./markdown.ts";
import { describeHeading, headingMatches, type HeadingRef } from "./release.ts";

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

/**
 * Returns the one heading of `doc` that `ref` names. `purpose` says what the anchor is for (shown in
 * messages). Throws SourceError when there is none (listing the headings that exist, and any
 * look-alike line inside code) or several (listing them with their lines).
 */
export function resolveHeading(doc: Doc, ref: HeadingRef, purpose: string): HeadingInfo {
  const matches = findHeadings(doc, ref);
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  const anchor = `anchor \`${describeHeading(ref)}\` (${purpose})`;
  if (matches.length > 1) {
    const where = matches.map((heading) => `line ${heading.line} "${heading.text}"`).join(", ");
    throw new SourceError(doc.file, `${anchor} matches ${matches.length} headings, expected exactly one: ${where}`, matches[1]?.line);
  }
  const existing = listHeadings(doc.tree).map((heading) => `  line ${heading.line}: ${"#".repeat(heading.depth)} ${heading.text}`);
  const lookalikes = lookalikesInCode(doc, ref).map((line) => `line ${line}`);
  const hint = lookalikes.length ? `; a matching line inside code (not a heading) is at ${lookalikes.join(", ")}` : "";
  const list = existing.length ? `; headings in this file:\n${existing.join("\n")}` : "; this file has no headings";
  throw new SourceError(doc.file, `${anchor} not found${hint}${list}`);
}

/** Lines inside code, HTML or frontmatter that look like the heading `ref` names. */
function lookalikesInCode(doc: Doc, ref: HeadingRef): number[] {
  const lines: number[] = [];
  const pattern = /^[ \t]*(#{1,6})[ \t]+(.*?)[ \t#]*$/gm;
  const literals = literalRanges(doc.tree);
  for (const match of doc.text.matchAll(pattern)) {
    const offset = match.index ?? 0;
    const inLiteral = literals.some((range) => offset >= range.start && offset < range.end);
    if (inLiteral && headingMatches(ref, match[1]?.length ?? 0, (match[2] ?? "").trim())) lines.push(lineOfOffset(doc.text, offset));
  }
  return lines;
}
