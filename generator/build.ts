/**
 * The build: load the sources, apply the release, compile the runtime, release the manifests, and
 * write the bundle (dist/<plugin>/ and the local marketplace dist/.claude-plugin/marketplace.json).
 */
import { applyRelease, type AppliedEdit } from "./apply-release.ts";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { formatJson } from "./json-file.ts";
import { parseManifests, releaseManifests } from "./manifests.ts";
import type { Release } from "./release.ts";
import { releaseRenderer } from "./render.ts";
import { buildRuntime } from "./runtime-build.ts";
import { loadSources, type SourceTree } from "./sources.ts";
import { writeBundle, type BundleFiles } from "./output.ts";

/** What to build: the source tree, the destination, the release, and the repository holding its templates. */
export interface BuildOptions {
  source: string;
  out: string;
  release: Release;
  /** Folder that `release.templateDir` is relative to (this repository). */
  templateRoot: string;
}

/** What a build did, for the report. Paths of `files` are relative to the output folder. */
export interface BuildResult {
  pluginName: string;
  version: string;
  out: string;
  layout: SourceTree["layout"];
  files: string[];
  edits: AppliedEdit[];
  created: string[];
  runtime: { path: string; sections: string[]; functions: number } | null;
}

/** Path of the marketplace inside the output folder; its presence marks a folder as a bundle. */
export const MARKETPLACE_PATH = ".claude-plugin/marketplace.json";

/**
 * Builds the bundle. Throws SourceError or SourceErrors (every problem with file and line) when the
 * sources cannot be released, and Error when the output folder is refused; nothing is written then.
 */
export function buildPlugin(options: BuildOptions): BuildResult {
  const { release } = options;
  const sources = loadSources(options.source);
  const render = releaseRenderer(options.templateRoot, release);

  const errors: SourceError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => collectErrors(errors, fn);
  const manifests = attempt(() => releaseManifests(parseManifests(sources.manifests), release));
  const documents = attempt(() => applyRelease(sources.documents, release, render));
  const runtime = attempt(() => buildRuntime(sources, release, options.templateRoot));
  if (errors.length || !manifests || !documents || runtime === undefined) throw new SourceErrors(errors);

  const root = manifests.pluginName;
  const files: BundleFiles = new Map();
  files.set(`${root}/.claude-plugin/plugin.json`, formatJson(manifests.claude));
  files.set(`${root}/.cursor-plugin/plugin.json`, formatJson(manifests.cursor));
  files.set(MARKETPLACE_PATH, formatJson(manifests.marketplace));
  for (const [path, text] of documents.documents) files.set(`${root}/${path}`, text);
  for (const [path, asset] of sources.assets) files.set(`${root}/${path}`, asset.bytes);
  const runtimePath = `${root}/templates/ml_utils.py`;
  if (runtime) files.set(runtimePath, runtime.text);

  writeBundle(options.out, files, MARKETPLACE_PATH, [options.source, options.templateRoot]);
  return {
    pluginName: root,
    version: release.version,
    out: options.out,
    layout: sources.layout,
    files: [...files.keys()].sort(),
    edits: documents.edits,
    created: documents.created,
    runtime: runtime ? { path: runtimePath, sections: runtime.sections, functions: runtime.functions } : null,
  };
}
