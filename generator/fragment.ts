/**
 * What makes an inserted fragment recognisable in a released document, so applying a release again
 * replaces it instead of adding a copy: its opening heading, its bold lead-in, or its first cell.
 */
import type { Heading, Paragraph, Strong, Table } from "mdast";
import { SourceError } from "./errors.ts";
import { parseMarkdown, plainText } from "./markdown.ts";
import type { Placement } from "./release.ts";

/** The identity of a fragment, by the kind of placement it is made for. */
export type FragmentIdentity =
  /** A section: its opening heading, plus how many headings the fragment holds in all. */
  | { kind: "section"; depth: number; text: string; headings: number }
  /** A paragraph opening with bold text (e.g. "**MLOps (v1.3.0):** ..."). */
  | { kind: "lead"; text: string }
  /** A table row, by the plain text of its first cell. */
  | { kind: "row"; text: string };

/**
 * Returns the identity of the rendered `fragment` for `placement` (`template` names its source in
 * errors). Throws SourceError when the fragment does not have the shape the placement needs: a
 * heading first for section placements, one paragraph opening with bold text inside a list item, a
 * single table row for a table.
 */
export function fragmentIdentity(template: string, placement: Placement, fragment: string): FragmentIdentity {
  if (placement.kind === "inListItem") {
    const tree = parseMarkdown(fragment);
    const [paragraph] = tree.children;
    const lead = paragraph?.type === "paragraph" ? (paragraph as Paragraph).children[0] : undefined;
    if (tree.children.length !== 1 || lead?.type !== "strong") {
      throw new SourceError(template, "a list-item fragment must be one paragraph that opens with bold text, e.g. **MLOps (v1.3.0):** ...");
    }
    return { kind: "lead", text: plainText(lead as Strong).trim() };
  }
  if (placement.kind === "tableRow") {
    const row = fragment.trim();
    const cells = (row.match(/(?<!\\)\|/g) ?? []).length - 1;
    const table = parseMarkdown(`|${" x |".repeat(Math.max(cells, 1))}\n|${" - |".repeat(Math.max(cells, 1))}\n${row}\n`).children[0];
    const first = table?.type === "table" ? (table as Table).children[1]?.children[0] : undefined;
    if (row.includes("\n") || !first) throw new SourceError(template, `a table-row fragment must be a single row like | a | b |, got ${JSON.stringify(row)}`);
    return { kind: "row", text: plainText(first).trim() };
  }
  const tree = parseMarkdown(fragment);
  const [heading] = tree.children;
  if (heading?.type !== "heading") {
    throw new SourceError(template, `a fragment placed ${placement.kind} must start with its own heading (it is how a re-release finds it)`);
  }
  const headings = tree.children.filter((node) => node.type === "heading") as Heading[];
  const deeper = headings.slice(1).every((other) => other.depth > (heading as Heading).depth);
  if (!deeper) throw new SourceError(template, "a section fragment's inner headings must be deeper than its first heading");
  return { kind: "section", depth: (heading as Heading).depth, text: plainText(heading).trim(), headings: headings.length };
}
