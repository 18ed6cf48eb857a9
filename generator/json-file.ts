/** JSON files of the plugin (manifests): parsed with errors that name the file and line. */
import { printParseErrorCode, visit, type ParseErrorCode } from "jsonc-parser";
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
