/**
 * The plugin's three manifests (Claude Code plugin.json, Cursor plugin.json, the marketplace entry):
 * checked, then set to the release's version and description from that one source.
 */
import semver from "semver";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { lineOfEntry, parseJsonFile, type JsonFile } from "./json-file.ts";
import type { Release } from "./release.ts";
import type { ManifestFiles } from "./sources.ts";

/** The parsed manifests of a source tree. Cursor's and the marketplace may be missing from a plugin checkout. */
export interface SourceManifests {
  claude: JsonFile;
  cursor: JsonFile | null;
  marketplace: JsonFile | null;
}

/** Parses the manifest files; throws SourceErrors listing every file that is not valid JSON. */
export function parseManifests(files: ManifestFiles): SourceManifests {
  const errors: SourceError[] = [];
  const parse = (file: ManifestFiles["cursor"]): JsonFile | null => (file ? (collectErrors(errors, () => parseJsonFile(file.file, file.text)) ?? null) : null);
  const parsed = { claude: parse(files.claude), cursor: parse(files.cursor), marketplace: parse(files.marketplace) };
  if (errors.length || !parsed.claude) throw new SourceErrors(errors);
  return { ...parsed, claude: parsed.claude };
}

/** The released manifests, as data ready to write. */
export interface ReleasedManifests {
  pluginName: string;
  claude: Record<string, unknown>;
  cursor: Record<string, unknown>;
  marketplace: Record<string, unknown>;
}

const PLUGIN_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const CURSOR_COMPONENTS = { agents: "agents/", commands: "commands/", skills: "skills/" };

/**
 * Checks the source manifests and returns them released: every version set to `release.version`, every
 * description mentioning the release (`release.description`), the marketplace entry pointing at the
 * plugin folder. A missing Cursor manifest or marketplace is derived from the Claude Code manifest.
 * Throws SourceError (file and line) for a missing or invalid name, a version that is not semver or
 * is newer than the release, or manifests that name the plugin differently.
 */
export function releaseManifests(sources: SourceManifests, release: Release): ReleasedManifests {
  const { claude } = sources;
  const errors: SourceError[] = [];
  const name = claude.data.name;
  if (typeof name !== "string" || !PLUGIN_NAME.test(name)) {
    throw new SourceError(claude.file, `"name" must be a lowercase plugin name like ml-automation, found ${JSON.stringify(name)}`, lineOfEntry(claude, "name", name) ?? 1);
  }
  const checkVersion = (json: JsonFile, version: unknown) => {
    const problem = versionProblem(json, version, release.version);
    if (problem) errors.push(problem);
  };
  checkVersion(claude, claude.data.version);
  const describe = (text: unknown) => withMention(typeof text === "string" ? text : "", release.description);

  const cursorData = sources.cursor ? { ...sources.cursor.data } : deriveCursor(claude.data);
  if (sources.cursor) {
    checkVersion(sources.cursor, cursorData.version);
    if (cursorData.name !== name) {
      errors.push(new SourceError(sources.cursor.file, `"name" is ${JSON.stringify(cursorData.name)} but the Claude Code manifest names the plugin "${name}"`, lineOfEntry(sources.cursor, "name", cursorData.name)));
    }
  }
  const marketplaceData = sources.marketplace ? structuredClone(sources.marketplace.data) : deriveMarketplace(claude.data, name);
  const plugins = Array.isArray(marketplaceData.plugins) ? (marketplaceData.plugins as Array<Record<string, unknown>>) : [];
  const entry = plugins.find((plugin) => plugin.name === name);
  if (!entry) {
    const file = sources.marketplace?.file ?? "marketplace.json";
    errors.push(new SourceError(file, `the marketplace lists no plugin named "${name}" (its plugins: ${plugins.map((plugin) => JSON.stringify(plugin.name)).join(", ") || "none"})`));
    throw new SourceErrors(errors);
  }
  if (sources.marketplace && entry.version !== undefined) checkVersion(sources.marketplace, entry.version);
  if (errors.length) throw new SourceErrors(errors);

  const description = describe(claude.data.description);
  Object.assign(entry, { source: `./${name}`, description, version: release.version });
  return {
    pluginName: name,
    claude: { ...claude.data, version: release.version, description },
    cursor: { ...cursorData, version: release.version, description: describe(cursorData.description) },
    marketplace: marketplaceData,
  };
}

/** Appends `sentence` to `description` unless it already mentions `mention` (case-insensitive). */
export function withMention(description: string, { mention, sentence }: Release["description"]): string {
  if (description.toLowerCase().includes(mention.toLowerCase())) return description;
  return description.trim() ? `${description.trim()} ${sentence}` : sentence;
}

function versionProblem(json: JsonFile, version: unknown, target: string): SourceError | null {
  const line = lineOfEntry(json, "version", version);
  if (typeof version !== "string" || !semver.valid(version)) {
    return new SourceError(json.file, `"version" must be a semantic version like 1.2.1, found ${JSON.stringify(version)}`, line);
  }
  if (semver.gt(version, target)) {
    return new SourceError(json.file, `version ${version} is newer than the release being applied (${target}); build from older sources or with a newer release`, line);
  }
  return null;
}

function deriveCursor(claude: Record<string, unknown>): Record<string, unknown> {
  const keep = ["name", "version", "description", "author", "homepage", "repository", "license", "keywords"];
  const cursor = Object.fromEntries(keep.filter((key) => claude[key] !== undefined).map((key) => [key, claude[key]]));
  return { ...cursor, ...CURSOR_COMPONENTS };
}

function deriveMarketplace(claude: Record<string, unknown>, name: string): Record<string, unknown> {
  const author = claude.author && typeof claude.author === "object" ? claude.author : { name };
  return {
    name: `${name}-marketplace`,
    owner: author,
    description: `Local marketplace for the ${name} plugin.`,
    plugins: [{ name, source: `./${name}`, description: claude.description, version: claude.version }],
  };
}
