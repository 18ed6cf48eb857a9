/**
 * The plugin's three manifests (Claude Code plugin.json, Cursor plugin.json, the marketplace entry):
 * checked, then set to the release's version and description from that one source. Existing manifests
 * are edited in place with jsonc-parser: only the version and the description change (and the
 * marketplace entry's source, when it does not point at the bundle's plugin folder); every other byte
 * stays. A manifest the sources lack is derived from the Claude Code manifest.
 */
import semver from "semver";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import type { JSONPath } from "jsonc-parser";
import { editJson, formatJson, lineOfEntry, parseJsonFile, pointOfEntry, type JsonFile } from "./json-file.ts";
import type { Release, ReleaseDescription } from "./release.ts";
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

/** The released manifests as the text to write. */
export interface ReleasedManifests {
  pluginName: string;
  version: string;
  claude: string;
  cursor: string;
  marketplace: string;
}

const PLUGIN_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const CURSOR_COMPONENTS = { agents: "agents/", commands: "commands/", skills: "skills/" };

/** Returns the version the sources are at (the Claude Code manifest's), or undefined when it is not semver (releaseManifests reports that). */
export function sourceVersion(sources: SourceManifests): string | undefined {
  const version = sources.claude.data.version;
  return typeof version === "string" && semver.valid(version) ? version : undefined;
}

/**
 * Checks the source manifests and returns them released by `releases` (in order; the last one's
 * version is the bundle's): every version set to it, every description as each release says (a
 * sentence added, or the text replaced), the marketplace entry pointing at the plugin folder. Throws
 * SourceError (file, line and column) for a missing or invalid name, a version that is not semver or is
 * newer than the last release, or manifests that name the plugin differently.
 */
export function releaseManifests(sources: SourceManifests, releases: Release[]): ReleasedManifests {
  const last = releases.at(-1);
  if (!last) throw new Error("releaseManifests needs at least one release");
  const target = last.version;
  const { claude } = sources;
  const errors: SourceError[] = [];
  const name = claude.data.name;
  if (typeof name !== "string" || !PLUGIN_NAME.test(name)) {
    throw new SourceError(claude.file, `"name" must be a lowercase plugin name like ml-automation, found ${JSON.stringify(name)}`, lineOfEntry(claude, "name", name) ?? 1, {
      ruleId: "manifest-name",
      actual: JSON.stringify(name),
    });
  }
  const checkVersion = (json: JsonFile, version: unknown) => {
    const problem = versionProblem(json, version, target);
    if (problem) errors.push(problem);
  };
  checkVersion(claude, claude.data.version);
  if (sources.cursor) {
    checkVersion(sources.cursor, sources.cursor.data.version);
    if (sources.cursor.data.name !== name) {
      errors.push(new SourceError(sources.cursor.file, `"name" is ${JSON.stringify(sources.cursor.data.name)} but the Claude Code manifest names the plugin "${name}"`, lineOfEntry(sources.cursor, "name", sources.cursor.data.name), {
        ruleId: "manifest-name",
        actual: JSON.stringify(sources.cursor.data.name),
      }));
    }
  }
  const marketplaceData = sources.marketplace ? sources.marketplace.data : deriveMarketplace(claude.data, name);
  const plugins = Array.isArray(marketplaceData.plugins) ? (marketplaceData.plugins as Array<Record<string, unknown>>) : [];
  const index = plugins.findIndex((plugin) => plugin.name === name);
  const entry = plugins[index];
  if (!entry) {
    const file = sources.marketplace?.file ?? "marketplace.json";
    errors.push(new SourceError(file, `the marketplace lists no plugin named "${name}" (its plugins: ${plugins.map((plugin) => JSON.stringify(plugin.name)).join(", ") || "none"})`, undefined, {
      ruleId: "manifest-marketplace-entry",
      actual: name,
    }));
    throw new SourceErrors(errors);
  }
  if (sources.marketplace && entry.version !== undefined) checkVersion(sources.marketplace, entry.version);
  if (errors.length) throw new SourceErrors(errors);

  const describe = (text: unknown) => releases.reduce((description, release) => describeRelease(description, release.description), typeof text === "string" ? text : "");
  const claudeText = editJson(claude.text, [
    [["version"], target],
    [["description"], describe(claude.data.description)],
  ]);
  const cursorText = sources.cursor
    ? editJson(sources.cursor.text, [
        [["version"], target],
        [["description"], describe(sources.cursor.data.description)],
      ])
    : formatJson({ ...deriveCursor(claude.data), version: target, description: describe(claude.data.description) });
  const entryEdits: Array<[JSONPath, unknown]> = [
    [["plugins", index, "version"], target],
    [["plugins", index, "description"], describe(entry.description ?? claude.data.description)],
  ];
  if (entry.source !== `./${name}`) entryEdits.unshift([["plugins", index, "source"], `./${name}`]);
  const marketplaceText = editJson(sources.marketplace ? sources.marketplace.text : formatJson(marketplaceData), entryEdits);
  return { pluginName: name, version: target, claude: claudeText, cursor: cursorText, marketplace: marketplaceText };
}

/**
 * The description after a release: replaced by the release's own text, or with the release's sentence
 * added (see withMention), or as it was when the release does not change it.
 */
export function describeRelease(description: string, change: ReleaseDescription | undefined): string {
  if (!change) return description;
  return "replace" in change ? change.replace : withMention(description, change);
}

/** Appends `sentence` to `description` unless it already mentions `mention` (case-insensitive); a description not ending a sentence gets a period first. */
export function withMention(description: string, { mention, sentence }: { mention: string; sentence: string }): string {
  if (description.toLowerCase().includes(mention.toLowerCase())) return description;
  const trimmed = description.trim();
  if (!trimmed) return sentence;
  return `${trimmed}${/[.!?]["')\]]?$/.test(trimmed) ? "" : "."} ${sentence}`;
}

function versionProblem(json: JsonFile, version: unknown, target: string): SourceError | null {
  const point = pointOfEntry(json, "version", version);
  const line = point?.line;
  const column = point?.column;
  if (typeof version !== "string" || !semver.valid(version)) {
    return new SourceError(json.file, `"version" must be a semantic version like 1.2.1, found ${JSON.stringify(version)}`, line, { column, ruleId: "manifest-version", actual: JSON.stringify(version) });
  }
  if (semver.gt(version, target)) {
    return new SourceError(json.file, `version ${version} is newer than the release being applied (${target}); build from older sources or with a newer release`, line, {
      column,
      ruleId: "manifest-version-newer",
      actual: version,
    });
  }
  return null;
}

/** The fields of `data` among `keys` that it has. */
function pick(data: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => data[key] !== undefined).map((key) => [key, data[key]]));
}

function deriveCursor(claude: Record<string, unknown>): Record<string, unknown> {
  return { ...pick(claude, ["name", "version", "description", "author", "homepage", "repository", "license", "keywords"]), ...CURSOR_COMPONENTS };
}

function deriveMarketplace(claude: Record<string, unknown>, name: string): Record<string, unknown> {
  const author = claude.author && typeof claude.author === "object" ? claude.author : { name };
  return {
    name: `${name}-marketplace`,
    owner: author,
    description: `Local marketplace for the ${name} plugin.`,
    // The entry says what the plugin's own manifest says of it (a marketplace lists license and keywords too).
    plugins: [{ name, source: `./${name}`, description: claude.description, version: claude.version, ...pick(claude, ["license", "keywords"]) }],
  };
}
