/**
 * Checking that a released document holds a fragment exactly once, exactly where its placement says.
 * The build runs it after splicing (on the re-parsed document) and `npm run verify` runs it on a bundle.
 */
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError } from "./errors.ts";
import type { FragmentIdentity } from "./fragment.ts";
import { findListItem, findTable, leadParagraphs, rowsNamed, sectionsNamed } from "./locate.ts";
import { listHeadings } from "./markdown.ts";
import { describeHeading, type Placement } from "./release.ts";

/** The outcome of a check: the 1-based line where the fragment was found, or what is wrong. */
export type PlacementCheck = { ok: true; line: number } | { ok: false; error: SourceError };

/**
 * Checks that `doc` holds the fragment with `identity` once and at `placement`. Returns its line, or
 * a SourceError saying what is wrong (missing, repeated, or where it is instead).
 */
export function checkPlacement(doc: Doc, placement: Placement, identity: FragmentIdentity): PlacementCheck {
  const result = check(doc, placement, identity);
  return typeof result === "number" ? { ok: true, line: result } : { ok: false, error: result };
}

function check(doc: Doc, placement: Placement, identity: FragmentIdentity): SourceError | number {
  try {
    if (placement.kind === "inListItem") {
      const item = findListItem(doc, placement.section, placement.item);
      const found = leadParagraphs(item, identity.text);
      if (found.length !== 1) return count(doc, `**${identity.text}**`, found.length, `the list item of \`${describeHeading(placement.section)}\` matching ${placement.item}`);
      if (item.children.at(-1) !== found[0]) return new SourceError(doc.file, `**${identity.text}** is not the last paragraph of its list item`, found[0]?.position?.start.line);
      return found[0]?.position?.start.line ?? 0;
    }
    if (placement.kind === "tableRow") {
      const found = rowsNamed(findTable(doc, placement.section), identity.text);
      return found.length === 1 ? (found[0]?.position?.start.line ?? 0) : count(doc, `table row "${identity.text}"`, found.length, `the table of \`${describeHeading(placement.section)}\``);
    }
    if (identity.kind !== "section") return new SourceError(doc.file, `a ${placement.kind} placement needs a section fragment`);
    const label = `${"#".repeat(identity.depth)} ${identity.text}`;
    const found = sectionsNamed(doc, identity);
    const [section] = found;
    if (found.length !== 1 || !section) return count(doc, `\`${label}\``, found.length, "the document");
    const headings = listHeadings(doc.tree);
    const first = headings.findIndex((heading) => heading.start === section.start);
    const after = headings[first + identity.headings];
    if (placement.kind === "endOfDocument") {
      return after ? new SourceError(doc.file, `\`${label}\` should end the document, but \`${after.text}\` follows it`, after.line) : section.line;
    }
    const anchor = resolveHeading(doc, placement.heading, placement.kind);
    if (placement.kind === "before") {
      return after?.start === anchor.start ? section.line : misplaced(doc, label, section.line, `directly before \`${describeHeading(placement.heading)}\` (line ${anchor.line})`);
    }
    const anchorIndex = headings.findIndex((heading) => heading.start === anchor.start);
    const between = headings.slice(anchorIndex + 1, first);
    const inside = first > anchorIndex && between.every((heading) => heading.depth > anchor.depth);
    const closes = !after || after.depth <= anchor.depth;
    return inside && closes ? section.line : misplaced(doc, label, section.line, `at the end of section \`${describeHeading(placement.heading)}\` (line ${anchor.line})`);
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
}

function count(doc: Doc, what: string, found: number, where: string): SourceError {
  return new SourceError(doc.file, `${what} should appear exactly once in ${where}, found ${found}`);
}

function misplaced(doc: Doc, label: string, line: number, expected: string): SourceError {
  return new SourceError(doc.file, `\`${label}\` is at line ${line}, but belongs ${expected}`, line);
}
