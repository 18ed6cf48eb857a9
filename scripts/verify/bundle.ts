/** Reading a built bundle (dist/): its marketplace, the plugin folder it lists, the plugin's files and the build's record. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "../../generator/errors.ts";
import type { JsonFile } from "../../generator/json-file.ts";
import { parseManifests } from "../../generator/manifests.ts";
import { readRecord, type BuildRecord } from "../../generator/output.ts";
import { displayPath, loadSources, markdownDocuments, type TextFile } from "../../generator/sources.ts";

/** A bundle as verification sees it. Keys of `documents` are paths inside the plugin folder. */
export interface Bundle {
  dir: string;
  pluginDir: string;
  marketplace: JsonFile;
  claude: JsonFile;
  cursor: JsonFile | null;
  /** Every markdown file of the plugin, decoded. */
  documents: Map<string, TextFile>;
  /** Every file of the plugin folder (paths inside it). */
  files: Set<string>;
  runtime: TextFile | null;
  /** The plugin's command module, templates/ml_automation.py (null when the bundle has none). */
  commands: TextFile | null;
  /** The MLflow mirror's client side, templates/ml_utils_mlflow.py (null when the bundle has none). */
  mirror: TextFile | null;
  /** What the build recorded writing (null for a bundle without a record). */
  record: BuildRecord | null;
}

/**
 * Loads the bundle in `dir` (holding .claude-plugin/marketplace.json and the one local plugin it
 * lists), the same way the build reads a marketplace folder. Throws SourceError (or SourceErrors)
 * when the marketplace or a manifest is missing or not valid JSON.
 */
export function loadBundle(dir: string): Bundle {
  if (!existsSync(join(dir, ".claude-plugin", "marketplace.json"))) {
    throw new SourceError(displayPath(dir), "is not a bundle: .claude-plugin/marketplace.json is missing (run npm run build:plugin)", undefined, { ruleId: "bundle-layout" });
  }
  const sources = loadSources(dir);
  const { claude, cursor, marketplace } = parseManifests(sources.manifests);
  if (!marketplace) throw new SourceError(displayPath(dir), "is not a bundle: its marketplace was not read", undefined, { ruleId: "bundle-layout" });
  return {
    dir,
    pluginDir: sources.root,
    marketplace,
    claude,
    cursor,
    documents: markdownDocuments(sources),
    files: new Set([...sources.files.keys(), ...(sources.runtime ? ["templates/ml_utils.py"] : []), ...(sources.commands ? ["templates/ml_automation.py"] : []), ...(sources.mirror ? ["templates/ml_utils_mlflow.py"] : [])]),
    runtime: sources.runtime?.kind === "file" ? sources.runtime.file : null,
    commands: sources.commands?.kind === "file" ? sources.commands.file : null,
    mirror: sources.mirror?.kind === "file" ? sources.mirror.file : null,
    record: readRecord(dir),
  };
}

/** The text of a file of the bundle's plugin folder, or undefined when there is none. */
export function readBundleFile(bundle: Bundle, path: string): string | undefined {
  const file = join(bundle.pluginDir, path);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}
