/**
 * Cursor's documented rules for `.cursor-plugin/plugin.json`, encoded here: the name pattern, only the
 * fields Cursor defines (with their types), an author object with a name, and component paths that
 * exist in the plugin.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "../../generator/errors.ts";
import { lineOfEntry, type JsonFile } from "../../generator/json-file.ts";
import { KEBAB_NAME } from "./frontmatter-checks.ts";

type FieldType = "string" | "string[]" | "stringOrList" | "author" | "object" | "hooks" | "mcp";

/** The top-level fields of Cursor's plugin manifest and the type each takes. */
const CURSOR_FIELDS: Record<string, FieldType> = {
  name: "string",
  displayName: "string",
  description: "string",
  version: "string",
  author: "author",
  publisher: "string",
  homepage: "string",
  repository: "string",
  license: "string",
  logo: "string",
  keywords: "string[]",
  category: "string",
  tags: "string[]",
  commands: "stringOrList",
  agents: "stringOrList",
  skills: "stringOrList",
  rules: "stringOrList",
  hooks: "hooks",
  variables: "object",
  mcpServers: "mcp",
};

const COMPONENTS = ["commands", "agents", "skills", "rules"];

function typeOk(type: FieldType, value: unknown): boolean {
  const isString = typeof value === "string";
  const isStringList = Array.isArray(value) && value.every((item) => typeof item === "string");
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  switch (type) {
    case "string":
      return isString;
    case "string[]":
      return isStringList;
    case "stringOrList":
      return isString || isStringList;
    case "author":
      return isObject && typeof (value as { name?: unknown }).name === "string" && Object.keys(value as object).every((key) => key === "name" || key === "email");
    case "object":
      return isObject;
    case "hooks":
      return isString || isObject;
    case "mcp":
      return isString || isObject || (Array.isArray(value) && value.every((item) => typeof item === "string" || (typeof item === "object" && item !== null)));
  }
}

/** Checks a Cursor manifest of the plugin in `pluginDir`; returns one SourceError per broken rule. */
export function checkCursorManifest(manifest: JsonFile, pluginDir: string): SourceError[] {
  const problems: SourceError[] = [];
  const at = (key: string) => lineOfEntry(manifest, key, manifest.data[key]) ?? 1;
  const { name } = manifest.data;
  if (typeof name !== "string" || !KEBAB_NAME.test(name)) {
    problems.push(new SourceError(manifest.file, `"name" must be lowercase letters and digits with inner '-' or '.', found ${JSON.stringify(name)}`, at("name")));
  }
  for (const [key, value] of Object.entries(manifest.data)) {
    const type = CURSOR_FIELDS[key];
    if (!type) problems.push(new SourceError(manifest.file, `"${key}" is not a field of Cursor's plugin manifest (allowed: ${Object.keys(CURSOR_FIELDS).join(", ")})`, at(key)));
    else if (!typeOk(type, value)) problems.push(new SourceError(manifest.file, `"${key}" must be ${type === "author" ? "an object with a name (and optionally an email)" : `of type ${type}`}`, at(key)));
  }
  for (const key of COMPONENTS) {
    const value = manifest.data[key];
    const paths = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
    for (const path of paths) {
      if (typeof path === "string" && !/[*?[]/.test(path) && !existsSync(join(pluginDir, path))) {
        problems.push(new SourceError(manifest.file, `"${key}" points to ${path}, which does not exist in the plugin`, at(key)));
      }
    }
  }
  return problems;
}
