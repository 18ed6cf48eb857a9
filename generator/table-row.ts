/**
 * A table row the engine adds, written in the style of the table it joins: remark-stringify serialises
 * the row (parsed from the fragment), with or without the host's cell padding and outer pipes.
 */
import type { Table, TableRow } from "mdast";
import { offsets, parseMarkdown, stringifyMarkdown } from "./markdown.ts";

/** Parses a single markdown table row of `cells` cells into its mdast node (null when it is not one). */
export function parseRow(row: string, cells: number): TableRow | null {
  const width = Math.max(cells, 1);
  const table = parseMarkdown(`|${" x |".repeat(width)}\n|${" - |".repeat(width)}\n${row}\n`).children[0];
  return table?.type === "table" ? ((table as Table).children[1] ?? null) : null;
}

/**
 * Returns `row` (a fragment holding one table row of `cells`) as the host `table` in `text` writes its
 * rows: with or without pipes at both ends, and a space inside each cell when the host pads its cells.
 * Returns the row as given when it is not a table row.
 */
export function formatRow(text: string, table: Table, cells: string[], row: string): string {
  const header = text.slice(offsets(table).start, offsets(table).end).split(/\r?\n/)[0] ?? "";
  const outerPipes = /^\s*\|.*\|\s*$/.test(header);
  const padded = outerPipes ? /^\s*\|\s/.test(header) : /\s\||\|\s/.test(header);
  const node = parseRow(row, cells.length);
  if (!node) return row;
  const serialised = stringifyMarkdown({ type: "root", children: [{ type: "table", align: [], children: [node] }] }, { tableCellPadding: padded, tablePipeAlign: false });
  const line = serialised.split("\n")[0] ?? row;
  // remark-stringify always writes the outer pipes; a host without them gets its rows without them.
  return outerPipes ? line : line.replace(/^\| ?/, "").replace(/ ?\|$/, "");
}
