/**
 * Finding the parts of a document that placements point into: a section's nodes, one list item, one
 * block or one table of a section, and paragraphs opening with a given bold lead. Matching happens
 * on the source's own text: paragraphs a release inserts (`leads`) are left out, so a pattern is never
 * re-tested against a fragment an earlier application added.
 */
import type { List, ListItem, Nodes, Paragraph, RootContent, Table, TableRow } from "mdast";
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError } from "./errors.ts";
import { nodesWithin, plainText, sectionRange, type HeadingInfo } from "./markdown.ts";
import { describeHeading, textMatches, type BlockRef, type HeadingRef } from "./release.ts";

/** The heading of a section, its source range and its top-level nodes after the heading. */
export interface Section {
  heading: HeadingInfo;
  range: { start: number; end: number };
  nodes: RootContent[];
}

/** Returns the section `ref` names (throws like resolveHeading when it is not exactly one). */
export function findSection(doc: Doc, ref: HeadingRef, purpose: string): Section {
  const heading = resolveHeading(doc, ref, purpose);
  const range = sectionRange(doc.tree, heading, doc.text.length);
  return { heading, range, nodes: nodesWithin(doc.tree, range).filter((node) => node !== heading.node) };
}

/** The bold lead of a paragraph (its opening strong text), or undefined. */
export function leadOf(node: Nodes | undefined): string | undefined {
  if (node?.type !== "paragraph") return undefined;
  const first = (node as Paragraph).children[0];
  return first?.type === "strong" ? plainText(first).trim() : undefined;
}

/** True when `node` is a paragraph a release inserts (its lead is one of `leads`). */
export function isInserted(node: Nodes | undefined, leads: ReadonlySet<string>): boolean {
  const lead = leadOf(node);
  return lead !== undefined && leads.has(lead);
}

/** The plain text of a list item without the paragraphs a release inserted. */
export function ownItemText(item: ListItem, leads: ReadonlySet<string>): string {
  return item.children
    .filter((child) => !isInserted(child, leads))
    .map((child) => plainText(child))
    .join("\n");
}

function at(node: Nodes | undefined): { line?: number; column?: number } {
  return { line: node?.position?.start.line, column: node?.position?.start.column };
}

function notExactlyOne(doc: Doc, what: string, found: Nodes[], section: Section, listing: string, actual: string): SourceError {
  const [, second] = found;
  if (second) {
    const where = found.map((node) => `${node.position?.start.line}:${node.position?.start.column}`).join(", ");
    const point = at(second);
    return new SourceError(doc.file, `${found.length} ${what}s of section \`${section.heading.text}\` match ${actual}, expected exactly one (at ${where})`, point.line, {
      column: point.column,
      ruleId: "anchor-ambiguous",
      actual,
    });
  }
  return new SourceError(doc.file, `no ${what} of section \`${section.heading.text}\` matches ${actual}; ${listing}`, section.heading.line, {
    column: section.heading.column,
    ruleId: "anchor-missing",
    actual,
  });
}

/**
 * Returns the one item, among the items of the section's top-level lists, whose own text matches
 * `item`. Throws SourceError `anchor-missing` (at the section's heading, listing its items) or
 * `anchor-ambiguous` (at the second match).
 */
export function findListItem(doc: Doc, ref: HeadingRef, item: RegExp, leads: ReadonlySet<string>): { section: Section; item: ListItem } {
  const section = findSection(doc, ref, "list item");
  const items = section.nodes.filter((node): node is List => node.type === "list").flatMap((list) => list.children);
  const matches = items.filter((candidate) => textMatches(item, ownItemText(candidate, leads)));
  const [only] = matches;
  if (matches.length === 1 && only) return { section, item: only };
  const listing = items.length
    ? `its items:\n${items.map((candidate) => `  ${candidate.position?.start.line}:${candidate.position?.start.column}  ${ownItemText(candidate, leads).split("\n")[0]?.slice(0, 70)}`).join("\n")}`
    : "it has no list items";
  throw notExactlyOne(doc, "list item", matches, section, listing, String(item));
}

/** Returns the text a block is matched on: the code of a code block, else its plain text, trimmed. */
function blockText(node: RootContent): string {
  return (node.type === "code" || node.type === "html" ? node.value : plainText(node)).trim();
}

/**
 * Returns the one top-level block of the section that `block` names (by type and text), leaving out
 * the paragraphs a release inserted. Throws SourceError `anchor-missing` or `anchor-ambiguous`.
 */
export function findBlock(doc: Doc, ref: HeadingRef, block: BlockRef, leads: ReadonlySet<string>): { section: Section; block: RootContent } {
  const section = findSection(doc, ref, `${block.type} block`);
  const candidates = section.nodes.filter((node) => node.type === block.type && !isInserted(node, leads));
  const matches = candidates.filter((node) => textMatches(block.text, blockText(node)));
  const [only] = matches;
  if (matches.length === 1 && only) return { section, block: only };
  const listing = candidates.length
    ? `its ${block.type} blocks:\n${candidates.map((node) => `  ${node.position?.start.line}:${node.position?.start.column}  ${blockText(node).split("\n")[0]?.slice(0, 70)}`).join("\n")}`
    : `it has no ${block.type} blocks`;
  throw notExactlyOne(doc, `${block.type} block`, matches, section, listing, String(block.text));
}

/** Returns the one table of the section `ref` names; throws SourceError `anchor-missing` or `anchor-ambiguous`. */
export function findTable(doc: Doc, ref: HeadingRef): { section: Section; table: Table } {
  const section = findSection(doc, ref, "table row");
  const tables = section.nodes.filter((node): node is Table => node.type === "table");
  const [only] = tables;
  if (tables.length === 1 && only) return { section, table: only };
  throw notExactlyOne(doc, "table", tables, section, `it has ${tables.length} tables`, `\`${describeHeading(ref)}\``);
}

/** Returns the paragraphs among `nodes` that open with the bold lead `text`. */
export function leadParagraphs(nodes: readonly Nodes[], text: string): Paragraph[] {
  return nodes.filter((node): node is Paragraph => leadOf(node) === text);
}

/** Returns the body rows of a table whose first cell's plain text is `text`. */
export function rowsNamed(table: Table, text: string): TableRow[] {
  return table.children.slice(1).filter((row) => row.children[0] && plainText(row.children[0]).trim() === text);
}
