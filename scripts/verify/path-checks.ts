/**
 * Every path the bundle promises is in it: each component path a manifest names (Claude Code's and
 * Cursor's: commands, agents, skills, rules, hooks, MCP servers, logo), each script a named hooks file
 * runs from the plugin root, and each file the build recorded writing.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, normalize, relative } from "node:path";
import { SourceError, pointOfOffset } from "../../generator/errors.ts";
import { pointOfEntry, type JsonFile } from "../../generator/json-file.ts";
import { RECORD_PATH } from "../../generator/output.ts";
import { displayPath } from "../../generator/sources.ts";
import type { Bundle } from "./bundle.ts";

/** Manifest keys whose string values (or lists of strings) are paths inside the plugin. */
const PATH_KEYS = ["commands", "agents", "skills", "rules", "hooks", "mcpServers", "outputStyles", "lspServers", "logo"];

/** Script paths a hooks or MCP file runs from the plugin root, e.g. ${CLAUDE_PLUGIN_ROOT}/hooks/start.sh. */
const ROOT_REFERENCE = /\$\{(?:CLAUDE|CURSOR)_PLUGIN_ROOT\}\/([^\s"'`\\]+)/g;

/** The paths a manifest value names: a string, or the strings of a list. */
export function pathsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function inside(pluginDir: string, path: string): boolean {
  const rel = relative(pluginDir, join(pluginDir, normalize(path)));
  return !rel.startsWith("..") && !isAbsolute(rel);
}

/** Checks the paths of one manifest; returns one SourceError per path missing from the plugin. */
function checkManifestPaths(manifest: JsonFile, pluginDir: string): SourceError[] {
  const problems: SourceError[] = [];
  for (const key of PATH_KEYS) {
    for (const path of pathsOf(manifest.data[key])) {
      if (/[*?[]/.test(path) || /^[a-z]+:\/\//i.test(path)) continue;
      const point = pointOfEntry(manifest, key, manifest.data[key]);
      if (!inside(pluginDir, path) || !existsSync(join(pluginDir, path))) {
        problems.push(new SourceError(manifest.file, `"${key}" names ${path}, which is not in the bundle`, point?.line, { column: point?.column, ruleId: "bundle-path-missing", actual: path }));
        continue;
      }
      if (key === "hooks" || key === "mcpServers") problems.push(...checkRootReferences(join(pluginDir, path), pluginDir));
    }
  }
  return problems;
}

/** Checks that every ${..._PLUGIN_ROOT}/path in a hooks or MCP file exists in the plugin. */
function checkRootReferences(file: string, pluginDir: string): SourceError[] {
  if (!file.endsWith(".json")) return [];
  const text = readFileSync(file, "utf8");
  const problems: SourceError[] = [];
  for (const match of text.matchAll(ROOT_REFERENCE)) {
    const path = match[1] ?? "";
    if (inside(pluginDir, path) && existsSync(join(pluginDir, path))) continue;
    const point = pointOfOffset(text, match.index ?? 0);
    problems.push(new SourceError(displayPath(file), `runs ${path} from the plugin root, which is not in the bundle`, point.line, {
      column: point.column,
      ruleId: "bundle-path-missing",
      actual: path,
    }));
  }
  return problems;
}

/**
 * Checks the bundle's manifests' paths, the scripts their hooks run, and that every file the build
 * recorded is still there. Returns one SourceError per missing path.
 */
export function checkPaths(bundle: Bundle): SourceError[] {
  const problems = [bundle.claude, ...(bundle.cursor ? [bundle.cursor] : [])].flatMap((manifest) => checkManifestPaths(manifest, bundle.pluginDir));
  const defaultHooks = join(bundle.pluginDir, "hooks", "hooks.json");
  if (bundle.claude.data.hooks === undefined && existsSync(defaultHooks)) problems.push(...checkRootReferences(defaultHooks, bundle.pluginDir));
  for (const path of Object.keys(bundle.record?.files ?? {})) {
    if (!existsSync(join(bundle.dir, path))) {
      problems.push(new SourceError(displayPath(join(bundle.dir, RECORD_PATH)), `lists ${path}, which is missing from the bundle`, undefined, { ruleId: "bundle-recorded-file-missing", actual: path }));
    }
  }
  return problems;
}
