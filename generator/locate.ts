/**
 * Finding the parts of a document that placements point into: the list item of a section, the table of
 * a section, and a fragment already inserted by an earlier application of the release.
 */
import type { List, ListItem, Paragraph, Table, TableRow } from "mdast";
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError } from "./errors.ts";
import type { FragmentIdentity } from "./fragment.ts";
import { listHeadings, nodesWithin, plainText, sectionRange, type HeadingInfo } from "./markdown.ts";
import { describeHeading, type HeadingRef } from "./release.ts";

/** Returns the nodes of the section `ref` names (throws like resolveHeading when it is not exactly one). */
function sectionNodes(doc: Doc, ref: HeadingRef, purpose: string) {
  const heading = resolveHeading(doc, ref, purpose);
  return nodesWithin(doc.tree, sectionRange(doc.tree, heading, doc.text.length));
}

/**
 * Returns the one list item, among the items of the section's top-level lists, whose plain text
 * matches `item`. Throws SourceError naming the section and the items found when there is not exactly one.
 */
export function findListItem(doc: Doc, ref: HeadingRef, item: RegExp): ListItem {
  const items = sectionNodes(doc, ref, "list item").filter((node): node is List => node.type === "list").flatMap((list) => list.children);
  const matches = items.filter((candidate) => item.test(plainText(candidate)));
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  const listing = items.map((candidate) => `  line ${candidate.position?.start.line}: ${plainText(candidate).split("\n")[0]?.slice(0, 70)}`).join("\n");
  const found = matches.length === 0 ? "no list item" : `${matches.length} list items`;
  throw new SourceError(
    doc.file,
    `${found} of section \`${describeHeading(ref)}\` match ${item}, expected exactly one; its items:\n${listing || "  (none)"}`,
    matches[1]?.position?.start.line,
  );
}

/** Returns the one table of the section `ref` names; throws SourceError when it has none or several. */
export function findTable(doc: Doc, ref: HeadingRef): Table {
  const tables = sectionNodes(doc, ref, "table row").filter((node): node is Table => node.type === "table");
  const [only] = tables;
  if (tables.length === 1 && only) return only;
  throw new SourceError(doc.file, `section \`${describeHeading(ref)}\` has ${tables.length} tables, expected exactly one`);
}

/** Returns the paragraphs of a list item that open with the bold lead `text`. */
export function leadParagraphs(item: ListItem, text: string): Paragraph[] {
  return item.children.filter(
    (child): child is Paragraph => child.type === "paragraph" && child.children[0]?.type === "strong" && plainText(child.children[0]).trim() === text,
  );
}

/** Returns the body rows of a table whose first cell's plain text is `text`. */
export function rowsNamed(table: Table, text: string): TableRow[] {
  return table.children.slice(1).filter((row) => row.children[0] && plainText(row.children[0]).trim() === text);
}

/** Returns the headings of a document that open a section fragment with this identity. */
export function sectionsNamed(doc: Doc, identity: Extract<FragmentIdentity, { kind: "section" }>): HeadingInfo[] {
  return listHeadings(doc.tree).filter((heading) => heading.depth === identity.depth && heading.text === identity.text);
}
