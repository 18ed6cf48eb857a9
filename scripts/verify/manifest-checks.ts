/** The three manifests of a bundle agree: same plugin name, same version (the release's), semver. */
import semver from "semver";
import { SourceError } from "../../generator/errors.ts";
import { lineOfEntry } from "../../generator/json-file.ts";
import type { Bundle } from "./bundle.ts";

/** Checks names and versions across the Claude Code manifest, the Cursor manifest and the marketplace entry. */
export function checkManifests(bundle: Bundle, expectedVersion: string): SourceError[] {
  const problems: SourceError[] = [];
  const name = bundle.claude.data.name;
  const entries = Array.isArray(bundle.marketplace.data.plugins) ? (bundle.marketplace.data.plugins as Array<Record<string, unknown>>) : [];
  const entry = entries.find((plugin) => plugin.name === name);
  const versions = [
    { json: bundle.claude, version: bundle.claude.data.version },
    ...(bundle.cursor ? [{ json: bundle.cursor, version: bundle.cursor.data.version }] : []),
    ...(entry ? [{ json: bundle.marketplace, version: entry.version }] : []),
  ];
  if (!bundle.cursor) problems.push(new SourceError(bundle.pluginDir, "has no .cursor-plugin/plugin.json"));
  else if (bundle.cursor.data.name !== name) problems.push(new SourceError(bundle.cursor.file, `names the plugin ${JSON.stringify(bundle.cursor.data.name)}, the Claude Code manifest ${JSON.stringify(name)}`));
  if (!entry) problems.push(new SourceError(bundle.marketplace.file, `lists no plugin named ${JSON.stringify(name)}`));
  for (const { json, version } of versions) {
    const line = lineOfEntry(json, "version", version);
    if (typeof version !== "string" || !semver.valid(version)) problems.push(new SourceError(json.file, `version ${JSON.stringify(version)} is not a semantic version`, line));
    else if (version !== expectedVersion) problems.push(new SourceError(json.file, `version is ${version}, expected ${expectedVersion} like every other manifest`, line));
  }
  return problems;
}
