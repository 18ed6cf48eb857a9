/** Python source literals for JSON-like values, so constants render into ml_utils.py unchanged. */

/**
 * Returns `value` (string, number, boolean, null, array or plain object) as a Python literal. Lists of
 * scalars stay on one line; dicts put one key per line, indented by `indent` spaces per level.
 * Throws TypeError for anything else (undefined, functions, non-finite numbers).
 */
export function pythonLiteral(value: unknown, indent = 4, level = 0): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as a Python literal`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => pythonLiteral(item, indent, level + 1)).join(", ")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    const pad = " ".repeat(indent * (level + 1));
    const lines = entries.map(([key, item]) => `${pad}${JSON.stringify(key)}: ${pythonLiteral(item, indent, level + 1)},`);
    return `{\n${lines.join("\n")}\n${" ".repeat(indent * level)}}`;
  }
  throw new TypeError(`cannot write ${typeof value} as a Python literal: ${String(value)}`);
}
