/**
 * The build: load the sources, apply the release, compile the runtime, release the manifests, and
 * write the bundle (dist/<plugin>/ and the local marketplace dist/.claude-plugin/marketplace.json).
 */
import { applyRelease, type AppliedEdit } from "./apply-release.ts";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { formatJson } from "./json-file.ts";
import { parseManifests, releaseManifests } from "./manifests.ts";
import { inspectPython } from "./python.ts";
import type { Release } from "./release.ts";
import { releaseRenderer, renderTemplate, templateContext } from "./render.ts";
import { compileRuntime, mergeSections, readSectionTemplate, sectionAtLine, splitRuntime, type RuntimeSection } from "./runtime.ts";
import { loadSources, type SourceTree, type TextFile } from "./sources.ts";
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
  const context = templateContext(release.version);
  const render = releaseRenderer(options.templateRoot, release);

  const errors: SourceError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => collectErrors(errors, fn);
  const manifests = attempt(() => releaseManifests(parseManifests(sources.manifests), release));
  const documents = attempt(() => applyRelease(sources.documents, release, render));
  const runtime = attempt(() => buildRuntime(sources, release, render, context));
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

  const executables = new Set(release.newFiles.filter((file) => file.executable).map((file) => `${root}/${file.file}`));
  writeBundle(options.out, files, MARKETPLACE_PATH, [options.source, options.templateRoot], executables);
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

/**
 * Compiles ml_utils.py from the source's sections and the release's, checks it with Python and that
 * it defines `release.runtimeApi`. Returns null when there is no runtime at all.
 */
function buildRuntime(sources: SourceTree, release: Release, render: (template: string) => TextFile, context: object) {
  const base: RuntimeSection[] =
    sources.runtime?.kind === "file"
      ? splitRuntime(sources.runtime.file.file, sources.runtime.file.text)
      : (sources.runtime?.files ?? []).map((file) => readSectionTemplate(file.file, renderTemplate(file.file, file.text, context)));
  const added = release.runtimeSections.map((template) => {
    const rendered = render(template);
    return readSectionTemplate(rendered.file, rendered.text);
  });
  const sections = mergeSections(base, added);
  if (sections.length === 0) return null;
  const text = compileRuntime(sections);
  const file = "templates/ml_utils.py";
  let inventory;
  try {
    inventory = inspectPython(file, text);
  } catch (error) {
    const at = error instanceof SourceError && error.line ? sectionAtLine(sections, error.line) : undefined;
    if (!at || !(error instanceof SourceError)) throw error;
    const problem = error.message.slice(error.message.indexOf(": ") + 2);
    throw new SourceError(at.section.file, `${problem} (line ${error.line} of the compiled ml_utils.py)`, at.line);
  }
  const missing = release.runtimeApi.filter((name) => !inventory.functions.includes(name));
  if (missing.length) throw new SourceError(file, `does not define ${missing.join(", ")}, which release ${release.version} requires`);
  return { text, sections: sections.map((section) => section.key), functions: inventory.functions.length };
}
