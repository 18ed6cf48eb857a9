/** JSON files of the plugin (manifests): parsed with errors that name the file and line. */
import { applyEdits, format, modify, printParseErrorCode, visit, type FormattingOptions, type JSONPath, type ParseErrorCode } from "jsonc-parser";
import { SourceError, pointOfOffset } from "./errors.ts";

/** A parsed JSON object and the text it came from. */
export interface JsonFile {
  file: string;
  text: string;
  data: Record<string, unknown>;
}

/**
 * Parses `text` (read from `file`) as a JSON object. Throws SourceError with the line of the syntax
 * error when it is not valid JSON, or when the top level is not an object.
 */
export function parseJsonFile(file: string, text: string): JsonFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const problem = firstSyntaxError(text);
    const point = pointOfOffset(text, problem.offset);
    throw new SourceError(file, `not valid JSON: ${problem.message}`, point.line, { column: point.column, ruleId: "manifest-json" });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SourceError(file, `expected a JSON object at the top level, found ${Array.isArray(data) ? "an array" : String(data)}`, 1, { column: 1, ruleId: "manifest-json" });
  }
  return { file, text, data: data as Record<string, unknown> };
}

/** Returns the 1-based line where `"key": <value as JSON>` appears in the file, or undefined. */
export function lineOfEntry(json: JsonFile, key: string, value: unknown): number | undefined {
  return pointOfEntry(json, key, value)?.line;
}

/** Returns the 1-based line and column where `"key": <value as JSON>` appears in the file, or undefined. */
export function pointOfEntry(json: JsonFile, key: string, value: unknown): { line: number; column: number } | undefined {
  if (value === undefined) return undefined;
  const escaped = JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`"${key}"\\s*:\\s*${escaped}`).exec(json.text);
  return match ? pointOfOffset(json.text, match.index) : undefined;
}

/** Serialises `data` the way every JSON file of the bundle is written: two-space indent, final newline. */
export function formatJson(data: unknown): string {
  return JSON.stringify(data, null, 2) + "\n";
}

/** Locates the first syntax error of invalid JSON (comments and trailing commas count as errors). */
function firstSyntaxError(text: string): { message: string; offset: number } {
  let found: { message: string; offset: number } | undefined;
  const report = (code: ParseErrorCode, offset: number) => {
    found ??= { message: `${printParseErrorCode(code).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()} at "${text.slice(offset, offset + 20).split("\n")[0]}"`, offset };
  };
  visit(text, { onError: report }, { disallowComments: true, allowTrailingComma: false });
  return found ?? { message: "unexpected end of input", offset: text.length };
}

/** The formatting of a JSON text (indentation and line ending), for the few bytes an edit inserts. */
export function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
  return { insertSpaces: !indent.includes("\t"), tabSize: indent.includes("\t") ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/** Sets each path of `text` to its value with jsonc-parser edits (unchanged values are left alone). */
export function editJson(text: string, changes: Array<[JSONPath, unknown]>): string {
  const formattingOptions = formattingOf(text);
  let result = text;
  for (const [path, value] of changes) {
    result = applyEdits(result, modify(result, path, value, { formattingOptions }));
  }
  return result;
}

/**
 * Inserts `value` at `path` of the JSON `text` (a new property, or with `isArrayInsertion` a new list
 * item at the index of the path's last element, -1 for the end), formatted like the file around it;
 * every byte outside the inserted text stays as it was.
 */
export function insertJson(text: string, path: JSONPath, value: unknown, isArrayInsertion = false): string {
  const formattingOptions = formattingOf(text);
  let result = text;
  for (const edit of modify(text, path, value, { isArrayInsertion }).sort((a, b) => b.offset - a.offset)) {
    result = applyEdits(result, [edit]);
    result = applyEdits(result, format(result, { offset: edit.offset, length: edit.content.length }, formattingOptions));
  }
  return result;
}
