/** Reading a built bundle (dist/): its marketplace, the plugin folder it lists, and the plugin's files. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "../../generator/errors.ts";
import type { JsonFile } from "../../generator/json-file.ts";
import { parseManifests } from "../../generator/manifests.ts";
import { displayPath, loadSources, type TextFile } from "../../generator/sources.ts";

/** A bundle as verification sees it. Keys of `documents` are paths inside the plugin folder. */
export interface Bundle {
  pluginDir: string;
  marketplace: JsonFile;
  claude: JsonFile;
  cursor: JsonFile | null;
  documents: Map<string, TextFile>;
  /** Every file of the plugin folder: documents, assets and the runtime. */
  files: Set<string>;
  runtime: TextFile | null;
}

/**
 * Loads the bundle in `dir` (holding .claude-plugin/marketplace.json and the one local plugin it
 * lists), the same way the build reads a marketplace folder. Throws SourceError (or SourceErrors)
 * when the marketplace or a manifest is missing or not valid JSON.
 */
export function loadBundle(dir: string): Bundle {
  if (!existsSync(join(dir, ".claude-plugin", "marketplace.json"))) {
    throw new SourceError(displayPath(dir), "is not a bundle: .claude-plugin/marketplace.json is missing (run npm run build:plugin)");
  }
  const sources = loadSources(dir);
  const { claude, cursor, marketplace } = parseManifests(sources.manifests);
  if (!marketplace) throw new SourceError(displayPath(dir), "is not a bundle: its marketplace was not read");
  return {
    pluginDir: sources.root,
    marketplace,
    claude,
    cursor,
    documents: sources.documents,
    files: new Set([...sources.documents.keys(), ...sources.assets.keys(), ...(sources.runtime ? ["templates/ml_utils.py"] : [])]),
    runtime: sources.runtime?.kind === "file" ? sources.runtime.file : null,
  };
}
