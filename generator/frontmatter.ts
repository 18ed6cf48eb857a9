/**
 * YAML frontmatter of plugin markdown (agents, commands, skills): read it, with errors that point at
 * the file and line.
 */
import { parseDocument } from "yaml";
import { SourceError } from "./errors.ts";

/** Frontmatter of a document: its keys and values, and the 1-based line of each key. */
export interface Frontmatter {
  data: Record<string, unknown>;
  keyLines: Record<string, number>;
}

const OPENING = /^---[ \t]*\r?\n/;
const CLOSING = /^---[ \t]*(\r?\n|$)/m;

/**
 * Parses the frontmatter block at the top of `text` (between `---` lines).
 * Returns null when the document has none. Throws SourceError naming `file` and the line when the
 * block is not closed, is not valid YAML, or is not a mapping of keys to values.
 */
export function readFrontmatter(file: string, text: string): Frontmatter | null {
  const opening = OPENING.exec(text);
  if (!opening) return null;
  const rest = text.slice(opening[0].length);
  const closing = CLOSING.exec(rest);
  if (!closing) throw new SourceError(file, "frontmatter opened with '---' is never closed by a '---' line", 1, { column: 1, ruleId: "frontmatter-unclosed" });
  const yamlText = rest.slice(0, closing.index);
  const document = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const position = firstError.linePos?.[0];
    const reason = (firstError.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    const column = position ? ` (column ${position.col})` : "";
    throw new SourceError(file, `frontmatter is not valid YAML: ${reason}${column}`, (position?.line ?? 1) + 1, { column: position?.col, ruleId: "frontmatter-yaml" });
  }
  const data: unknown = document.toJS();
  if (data === null || data === undefined) return { data: {}, keyLines: {} };
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new SourceError(file, `frontmatter must be a mapping of keys to values, found ${Array.isArray(data) ? "a list" : typeof data}`, 2, { column: 1, ruleId: "frontmatter-not-mapping" });
  }
  const keyLines: Record<string, number> = {};
  const lines = yamlText.split(/\r?\n/);
  lines.forEach((line, index) => {
    const key = /^([^\s#:][^:]*):/.exec(line)?.[1]?.trim();
    if (key !== undefined && !(key in keyLines)) keyLines[key] = index + 2;
  });
  return { data: data as Record<string, unknown>, keyLines };
}
