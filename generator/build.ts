/**
 * The build: load the sources, apply every release from the sources' version up to the last one (in
 * order), compile the runtime, release the manifests, and write the bundle (dist/<plugin>/ and the
 * local marketplace dist/.claude-plugin/marketplace.json). Every file the releases do not edit is
 * carried byte for byte.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { applyRelease, type AppliedEdit } from "./apply-release.ts";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { readFrontmatter } from "./frontmatter.ts";
import { editJson, type JsonFile } from "./json-file.ts";
import { drawIcon, ICON_PATH, ICON_SOURCE } from "./icon.ts";
import { parseManifests, releaseManifests, sourceVersion } from "./manifests.ts";
import { checkDestination, pathConflicts, writeBundle, type BundleFiles, type Protected } from "./output.ts";
import { CURSOR_FOLDER, renderCursor } from "./platforms/cursor.ts";
import type { Release } from "./release.ts";
import { releaseRenderer } from "./render.ts";
import { buildRuntime } from "./runtime-build.ts";
import { decodeText, encodeText, loadSources, type SourceFile, type SourceTree, type TextFile } from "./sources.ts";

/** What to build: the source tree, the destination, the releases, and the repository holding their templates. */
export interface BuildOptions {
  source: string;
  out: string;
  /** Every release, oldest first; the ones from the sources' version on are applied, in order. */
  releases: Release[];
  /** Folder that each `release.templateDir` is relative to (this repository). */
  templateRoot: string;
}

/** What a build did, for the report. Paths of `files` are relative to the output folder. */
export interface BuildResult {
  pluginName: string;
  /** The sources' version and the bundle's. */
  from: string;
  version: string;
  /** The releases applied, in order. */
  applied: string[];
  out: string;
  layout: SourceTree["layout"];
  files: string[];
  edits: AppliedEdit[];
  created: string[];
  runtime: { path: string; sections: string[]; functions: number } | null;
  /** How many files were rendered for Cursor, and what the rendering could not carry over. */
  cursor: { files: number; notes: string[] };
}

/** A planned bundle: its files, what each came from in the sources (null for a file the build makes), and the report. */
export interface BundlePlan {
  result: BuildResult;
  files: BundleFiles;
  origins: Map<string, { file: string; bytes: Buffer } | null>;
  /** Bundle paths of files that were executable in the sources. */
  executables: Set<string>;
  protect: Protected;
}

/** Path of the marketplace inside the output folder; its presence marks a folder as a bundle. */
export const MARKETPLACE_PATH = ".claude-plugin/marketplace.json";

/** True for the plugin's component markdown whose frontmatter Claude Code and Cursor read. */
const COMPONENT_MARKDOWN = /^(?:agents\/[^/]+\.md|commands\/[^/]+\.md|skills\/[^/]+\/SKILL\.md)$/;

/**
 * Returns the releases to apply to sources at `from`: the one of that version, when there is one
 * (re-applying it changes nothing but refreshes its own sections), and every newer one, oldest first.
 */
export function releaseChain(releases: Release[], from: string): Release[] {
  return [...releases].sort((a, b) => semver.compare(a.version, b.version)).filter((release) => semver.gte(release.version, from));
}

/** One release standing for the chain's runtime: every applied release's runtime sections (paths from the repository) and every release's API. */
function chainedRuntime(all: Release[], applied: Release[]): Release {
  const last = applied.at(-1) ?? all.at(-1);
  if (!last) throw new Error("no release to apply");
  return {
    ...last,
    templateDir: ".",
    runtimeSections: applied.flatMap((release) => release.runtimeSections.map((template) => join(release.templateDir, template))),
    runtimeApi: [...new Set(all.filter((release) => semver.lte(release.version, last.version)).flatMap((release) => release.runtimeApi))],
  };
}

/**
 * Plans the bundle without writing anything. Throws SourceError or SourceErrors (every problem with
 * file, line and column) when the sources cannot be released or the destination is refused.
 */
export function planBuild(options: BuildOptions): BundlePlan {
  const sources = loadSources(options.source);
  const errors: SourceError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => collectErrors(errors, fn);
  // The destination is checked first, so that its refusal is never hidden behind a later problem.
  const protect: Protected = {
    reads: [...sources.reads, ...options.releases.map((release) => join(options.templateRoot, release.templateDir))],
    keep: [options.templateRoot],
  };
  attempt(() => checkDestination(options.out, protect));
  const parsed = attempt(() => parseManifests(sources.manifests));
  // An unreadable version is reported by releaseManifests; the whole chain is then tried on the documents.
  const from = (parsed && sourceVersion(parsed)) ?? "0.0.0";
  const chain = releaseChain(options.releases, from);
  const manifests = parsed && attempt(() => releaseManifests(parsed, chain.length ? chain : options.releases.slice(-1)));

  // Apply the chain: each release to the previous one's output.
  const current = new Map<string, TextFile>();
  const edits: AppliedEdit[] = [];
  const created: string[] = [];
  const documentOf = (path: string): TextFile | undefined => {
    const known = current.get(path);
    if (known) return known;
    const file = sources.files.get(path);
    return file ? decodeText(file) : undefined;
  };
  for (const release of chain) {
    const released = attempt(() => applyRelease(documentOf, release, releaseRenderer(options.templateRoot, release)));
    if (!released) break;
    for (const [path, text] of released.documents) {
      const before = documentOf(path);
      current.set(path, { file: `${before?.file ?? path} (as released by ${release.version})`, text, bom: before?.bom });
    }
    edits.push(...released.edits);
    created.push(...released.created.filter((path) => !created.includes(path)));
  }

  const runtimeRelease = chainedRuntime(options.releases, chain);
  const runtime = attempt(() => buildRuntime(sources, runtimeRelease, options.templateRoot));
  // Frontmatter of every agent, command and skill: releases never edit it, so it is read from the
  // source (positions are the source's; a byte-order mark is set aside), or from a new file.
  for (const path of [...new Set([...sources.files.keys(), ...created])].sort()) {
    if (!COMPONENT_MARKDOWN.test(path)) continue;
    const file = created.includes(path) ? undefined : sources.files.get(path);
    const text = file ? file.bytes.toString("utf8").replace(/^\uFEFF/, "") : (current.get(path)?.text ?? "");
    attempt(() => readFrontmatter(file?.file ?? path, text));
  }
  // What Cursor reads is rendered from the released files: only when they are sound (their problems are already reported).
  const cursor = errors.length ? undefined : attempt(() => renderForCursor(sources, current, created, parsed?.cursor ?? null, options.templateRoot));
  if (errors.length || !manifests || runtime === undefined || !cursor) throw new SourceErrors(errors);

  const root = manifests.pluginName;
  const files: BundleFiles = new Map();
  const origins: BundlePlan["origins"] = new Map();
  const executables = new Set<string>();
  const add = (path: string, content: string | Buffer, origin: SourceFile | TextFile | null) => {
    files.set(path, content);
    origins.set(path, origin && "bytes" in origin ? origin : origin ? { file: origin.file, bytes: encodeText(origin.text, origin.bom) } : null);
  };
  add(`${root}/.claude-plugin/plugin.json`, manifests.claude, sources.manifests.claude);
  add(`${root}/.cursor-plugin/plugin.json`, editJson(manifests.cursor, cursor.manifest), sources.manifests.cursor);
  add(MARKETPLACE_PATH, manifests.marketplace, sources.manifests.marketplace);
  const ownIcon = sources.files.get(ICON_PATH);
  if (ownIcon && sources.files.has(ICON_SOURCE)) {
    errors.push(new SourceError(ownIcon.file, `and ${ICON_SOURCE} are both the plugin's icon (the build draws ${ICON_PATH} from ${ICON_SOURCE}): keep one`, undefined, { ruleId: "icon-twice" }));
  }
  for (const [path, file] of sources.files) {
    const edited = current.get(path);
    if (path === ICON_SOURCE) attempt(() => add(`${root}/${ICON_PATH}`, drawIcon(file.file, file.bytes), file));
    else add(`${root}/${path}`, edited ? encodeText(edited.text, edited.bom) : file.bytes, file);
    if (file.executable) executables.add(`${root}/${path}`);
  }
  for (const path of created) {
    const text = current.get(path)?.text;
    if (text !== undefined && !sources.files.has(path)) add(`${root}/${path}`, encodeText(text), null);
  }
  for (const newFile of chain.flatMap((release) => release.newFiles)) {
    if (newFile.executable) executables.add(`${root}/${newFile.file}`);
  }
  for (const [path, text] of cursor.files) add(`${root}/${path}`, text, sources.files.get(path) ?? null);
  const runtimePath = `${root}/templates/ml_utils.py`;
  if (runtime) add(runtimePath, runtime.text, sources.runtime?.kind === "file" ? sources.runtime.source : null);

  errors.push(...pathConflicts(files, origins));
  if (errors.length) throw new SourceErrors(errors);

  const result: BuildResult = {
    pluginName: root,
    from,
    version: manifests.version,
    applied: chain.map((release) => release.version),
    out: options.out,
    layout: sources.layout,
    files: [...files.keys()].sort(),
    edits,
    created,
    runtime: runtime ? { path: runtimePath, sections: runtime.sections, functions: runtime.functions } : null,
    cursor: { files: cursor.files.size, notes: cursor.notes },
  };
  return { result, files, origins, executables, protect };
}

/**
 * What Cursor reads, rendered from the released files (see platforms/cursor.ts): `current` holds the
 * texts the releases changed or created, the rest is read from the sources; `cursorManifest` is the
 * sources' parsed Cursor manifest (its hooks file keeps its handlers).
 */
function renderForCursor(sources: SourceTree, current: Map<string, TextFile>, created: string[], cursorManifest: JsonFile | null, templateRoot: string) {
  const text = (path: string) => current.get(path)?.text ?? (sources.files.has(path) ? decodeText(sources.files.get(path)!).text : undefined);
  const origin = (path: string) => current.get(path)?.file ?? sources.files.get(path)?.file ?? path;
  const paths = [...new Set([...sources.files.keys(), ...created])].filter((path) => !path.startsWith(`${CURSOR_FOLDER}/`));
  const declared = cursorManifest?.data.hooks;
  const ownHooks = typeof declared === "string" ? declared.replace(/^\.\//, "") : undefined;
  const sessionStart = readFileSync(join(templateRoot, "templates", "platforms", "cursor", "session_start.py"), "utf8");
  return renderCursor({ paths, text, origin }, sessionStart, ownHooks);
}

/**
 * Builds the bundle. Throws SourceError or SourceErrors (every problem with file, line and column) when
 * the sources cannot be released or the output folder is refused; nothing is written then.
 */
export function buildPlugin(options: BuildOptions): BuildResult {
  const plan = planBuild(options);
  writeBundle(options.out, plan.files, plan.protect, plan.executables);
  return plan.result;
}
