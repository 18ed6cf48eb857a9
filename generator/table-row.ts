/**
 * A table row the engine adds, written in the style of the table it joins: remark-stringify serialises
 * the row (parsed from the fragment), with or without the host's cell padding.
 */
import type { Table, TableRow } from "mdast";
import { offsets, parseMarkdown, stringifyMarkdown } from "./markdown.ts";

/** Parses a single markdown table row into its mdast node (null when it is not one). */
function parseRow(row: string, cells: number): TableRow | null {
  const width = Math.max(cells, 1);
  const table = parseMarkdown(`|${" x |".repeat(width)}\n|${" - |".repeat(width)}\n${row}\n`).children[0];
  return table?.type === "table" ? ((table as Table).children[1] ?? null) : null;
}

/**
 * Returns `row` (a fragment holding one table row of `cells`) as the host `table` in `text` writes its
 * rows: pipes at both ends, and a space inside each cell when the host pads its cells. Returns the row
 * as given when the host does not use pipes at both ends (its style is then kept by not rewriting).
 */
export function formatRow(text: string, table: Table, cells: string[], row: string): string {
  const header = text.slice(offsets(table).start, offsets(table).end).split(/\r?\n/)[0] ?? "";
  if (!/^\s*\|.*\|\s*$/.test(header)) return row;
  const padded = /^\s*\|\s/.test(header);
  const node = parseRow(row, cells.length);
  if (!node) return row;
  const serialised = stringifyMarkdown({ type: "root", children: [{ type: "table", align: [], children: [node] }] }, { tableCellPadding: padded, tablePipeAlign: false });
  return serialised.split("\n")[0] ?? row;
}
