/**
 * Text surgery by source offsets: everything outside the spliced range stays byte for byte, and
 * inserted text takes the line ending of the file it goes into.
 */

/** Returns the line ending `text` uses: "\r\n" if its first line break is CRLF, else "\n". */
export function lineEnding(text: string): "\r\n" | "\n" {
  const first = text.indexOf("\n");
  return first > 0 && text[first - 1] === "\r" ? "\r\n" : "\n";
}

/** Returns `fragment` without leading blank lines and trailing whitespace, its line breaks set to `eol`. */
export function normalizeFragment(fragment: string, eol: string): string {
  return fragment
    .replace(/\r\n/g, "\n")
    .replace(/^(?:[ \t]*\n)+/, "")
    .trimEnd()
    .replace(/\n/g, eol);
}

/** Prefixes every non-empty line of `fragment` except the first with `prefix` (for list-item continuation). */
export function indentContinuation(fragment: string, prefix: string, eol: string): string {
  return fragment
    .split(eol)
    .map((line, index) => (index === 0 || line.trim() === "" ? line : prefix + line))
    .join(eol);
}

/**
 * Returns the width of the text before `offset` on its line, tabs expanded to the next multiple of 4
 * as CommonMark does: the indentation a continuation line needs to start where `offset` does.
 */
export function visualIndent(text: string, offset: number): number {
  let width = 0;
  for (let i = text.lastIndexOf("\n", offset - 1) + 1; i < offset; i++) width = text[i] === "\t" ? width + 4 - (width % 4) : width + 1;
  return width;
}

/** Returns `text` with [start, end) replaced by `insert`. Throws RangeError for a range outside the text. */
export function splice(text: string, start: number, end: number, insert: string): string {
  if (start < 0 || end < start || end > text.length) {
    throw new RangeError(`splice range [${start}, ${end}) is outside a text of length ${text.length}`);
  }
  return text.slice(0, start) + insert + text.slice(end);
}

/**
 * Returns what to insert at the end of `text` so that `block` follows it after one blank line and
 * the document ends with a single line break.
 */
export function appendBlock(text: string, block: string, eol: string): string {
  const trailing = /(?:\r?\n)*$/.exec(text)?.[0] ?? "";
  const breaks = (trailing.match(/\n/g) ?? []).length;
  const lead = text.length === 0 || breaks >= 2 ? "" : breaks === 1 ? eol : eol + eol;
  return lead + block + eol;
}
