/**
 * The build: load the sources, apply every release from the sources' version up to the last one (in
 * order), compile the runtime, release the manifests, and write the bundle (dist/<plugin>/ and the
 * local marketplace dist/.claude-plugin/marketplace.json). Every file the releases do not edit is
 * carried byte for byte.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import semver from "semver";
import { applyRelease, newFileClashes, newFilesTheBuildMakes, type AppliedEdit } from "./apply-release.ts";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { readFrontmatter } from "./frontmatter.ts";
import { editJson, type JsonFile } from "./json-file.ts";
import { drawIcon, ICON_PATH, ICON_SOURCE } from "./icon.ts";
import { parseManifests, releaseManifests, sourceVersion } from "./manifests.ts";
import { checkDestination, pathConflicts, readRecord, writeBundle, type BundleFiles, type Protected } from "./output.ts";
import { CURSOR_FOLDER, renderCursor } from "./platforms/cursor.ts";
import type { Release } from "./release.ts";
import { releaseRenderer } from "./render.ts";
import { buildRuntime, type CompiledModule } from "./runtime-build.ts";
import { decodeText, encodeText, loadSources, type SourceFile, type SourceTree, type TextFile } from "./sources.ts";
import { commandPath, personOnlyTypos, personOnlyWorkflows, releaseForTree, workflowSkills, type WorkflowSkills, type WorkflowTree } from "./workflow-skills.ts";

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
  /** The version of the sources the releases were first applied to: `from`, or what the build of a bundle given as sources recorded. */
  started: string;
  out: string;
  layout: SourceTree["layout"];
  files: string[];
  edits: AppliedEdit[];
  created: string[];
  /** The compiled library (templates/ml_utils.py) and the plugin's command module (templates/ml_automation.py), with their sections and sizes. */
  runtime: (ModuleSummary & { commands: ModuleSummary | null; mirror: ModuleSummary | null }) | null;
  /** The workflows offered as skills: how many, the commands merged into them, the person-only ones. */
  workflows: { skills: number; merged: string[]; personOnly: string[] };
  /** How many files were rendered for Cursor, and what the rendering could not carry over. */
  cursor: { files: number; notes: string[] };
}

/** What the report says of a compiled module: its path in the bundle, sections, functions and size in bytes. */
export interface ModuleSummary {
  path: string;
  sections: string[];
  functions: number;
  bytes: number;
}

/** A planned bundle: its files, what each came from in the sources (null for a file the build makes), and the report. */
export interface BundlePlan {
  result: BuildResult;
  /** The folder the plugin's files were read from (inside --source for a marketplace folder). */
  root: string;
  files: BundleFiles;
  origins: Map<string, { file: string; bytes: Buffer } | null>;
  /** Bundle paths of files that were executable in the sources. */
  executables: Set<string>;
  /** Source files not in the bundle, by plugin path: the workflow commands merged into their skills. */
  removed: Map<string, SourceFile>;
  /** Bundle paths of files the build draws from a source of another kind (the icon from its SVG): nothing in the sources to patch. */
  derived: Set<string>;
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
    commandSections: applied.flatMap((release) => (release.commandSections ?? []).map((template) => join(release.templateDir, template))),
    mirrorSections: applied.flatMap((release) => (release.mirrorSections ?? []).map((template) => join(release.templateDir, template))),
    runtimeApi: [...new Set(all.filter((release) => semver.lte(release.version, last.version)).flatMap((release) => release.runtimeApi))],
  };
}

/**
 * Plans the bundle without writing anything. Throws SourceError or SourceErrors (every problem with
 * file, line and column) when the sources cannot be released or (unless `destination` is false, as for
 * a dry run) the destination is refused.
 */
export function planBuild(options: BuildOptions, { destination = true }: { destination?: boolean } = {}): BundlePlan {
  const sources = loadSources(options.source);
  const errors: SourceError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => collectErrors(errors, fn);
  // The destination is checked first, so that its refusal is never hidden behind a later problem.
  const protect: Protected = {
    reads: [...sources.reads, ...options.releases.map((release) => join(options.templateRoot, release.templateDir))],
    keep: [options.templateRoot],
  };
  if (destination) attempt(() => checkDestination(options.out, protect));
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
  const inTree = (path: string) => current.has(path) || sources.files.has(path);
  for (const release of chain) {
    errors.push(...newFileClashes(release, from, options.releases, inTree));
    // A workflow whose command the tree holds only as its skill (a built bundle) is edited there.
    const released = attempt(() => applyRelease(documentOf, releaseForTree(release, inTree), releaseRenderer(options.templateRoot, release)));
    if (!released) break;
    for (const [path, text] of released.documents) {
      const before = documentOf(path);
      current.set(path, { file: `${before?.file ?? path} (as released by ${release.version})`, text, bom: before?.bom });
    }
    edits.push(...released.edits);
    created.push(...released.created.filter((path) => !created.includes(path)));
  }

  // Sources newer than every release apply none (their version is the one error): the runtime is not
  // built from them, which would only add errors that are consequences of that one.
  const runtime = chain.length ? attempt(() => buildRuntime(sources, chainedRuntime(options.releases, chain), options.templateRoot)) : undefined;
  // Frontmatter of every agent, command and skill: releases never edit it, so it is read from the
  // source (positions are the source's; a byte-order mark is set aside), or from a new file.
  for (const path of [...new Set([...sources.files.keys(), ...created])].sort()) {
    if (!COMPONENT_MARKDOWN.test(path)) continue;
    const file = created.includes(path) ? undefined : sources.files.get(path);
    const text = file ? file.bytes.toString("utf8").replace(/^\uFEFF/, "") : (current.get(path)?.text ?? "");
    attempt(() => readFrontmatter(file?.file ?? path, text));
  }
  // Each workflow becomes one skill, and what Cursor reads is rendered from the result: only when the
  // released files are sound (their problems are already reported).
  const released = releasedTree(sources, current, created);
  const workflows = errors.length ? undefined : attempt(() => workflowSkills(released, personOnlyWorkflows(options.releases)));
  if (workflows) errors.push(...personOnlyTypos(chain, workflows.names));
  const bundled = workflows && bundledTree(released, workflows);
  const bytesOf = (path: string) => {
    const edited = current.get(path);
    return edited ? encodeText(edited.text, edited.bom) : sources.files.get(path)?.bytes;
  };
  const cursor = bundled && attempt(() => renderForCursor(bundled, parsed?.cursor ?? null, options.templateRoot, String(parsed?.claude.data.name), bytesOf));
  // A release's new file never takes the place of one the build makes: it would be dropped without a word.
  const made = new Set([...(cursor?.files.keys() ?? []), ...(sources.files.has(ICON_SOURCE) ? [ICON_PATH] : [])]);
  for (const module of runtime ? [runtime.library, runtime.commands, runtime.mirror] : []) if (module) made.add(module.path);
  errors.push(...newFilesTheBuildMakes(chain, made));
  if (errors.length || !manifests || runtime === undefined || !workflows || !cursor) throw new SourceErrors(errors);

  const root = manifests.pluginName;
  const files: BundleFiles = new Map();
  const origins: BundlePlan["origins"] = new Map();
  const executables = new Set<string>();
  const add = (path: string, content: string | Buffer, origin: SourceFile | TextFile | null) => {
    files.set(path, content);
    origins.set(path, origin && "bytes" in origin ? origin : origin ? { file: origin.file, bytes: encodeText(origin.text, origin.bom) } : null);
  };
  add(`${root}/.claude-plugin/plugin.json`, withoutMergedCommands(manifests.claude, parsed?.claude.data.commands, workflows.merged), sources.manifests.claude);
  add(`${root}/.cursor-plugin/plugin.json`, editJson(manifests.cursor, cursor.manifest), sources.manifests.cursor);
  add(MARKETPLACE_PATH, manifests.marketplace, sources.manifests.marketplace);
  const ownIcon = sources.files.get(ICON_PATH);
  if (ownIcon && sources.files.has(ICON_SOURCE)) {
    errors.push(new SourceError(ownIcon.file, `and ${ICON_SOURCE} are both the plugin's icon (the build draws ${ICON_PATH} from ${ICON_SOURCE}): keep one`, undefined, { ruleId: "icon-twice" }));
  }
  const merged = new Set(workflows.merged);
  const derived = new Set<string>();
  const removed = new Map([...sources.files].filter(([path]) => merged.has(path)));
  for (const [path, file] of sources.files) {
    if (merged.has(path)) continue;
    const skill = workflows.skills.get(path);
    const edited = current.get(path);
    if (path === ICON_SOURCE) {
      attempt(() => add(`${root}/${ICON_PATH}`, drawIcon(file.file, file.bytes), file));
      derived.add(`${root}/${ICON_PATH}`);
    } else add(`${root}/${path}`, skill !== undefined ? encodeText(skill, edited?.bom ?? decodeText(file).bom) : edited ? encodeText(edited.text, edited.bom) : file.bytes, file);
    if (file.executable) executables.add(`${root}/${path}`);
  }
  for (const path of created) {
    const text = current.get(path)?.text;
    if (text !== undefined && !sources.files.has(path) && !merged.has(path)) add(`${root}/${path}`, encodeText(workflows.skills.get(path) ?? text), null);
  }
  for (const [path, text] of workflows.skills) {
    if (files.has(`${root}/${path}`)) continue;
    // A command alone became this skill: the command's source is where it came from.
    const command = sources.files.get(commandPath(path.split("/")[1] ?? ""));
    add(`${root}/${path}`, encodeText(text, command && decodeText(command).bom), command ?? null);
  }
  for (const newFile of chain.flatMap((release) => release.newFiles)) {
    if (newFile.executable) executables.add(`${root}/${newFile.file}`);
  }
  for (const [path, text] of cursor.files) add(`${root}/${path}`, text, sources.files.get(path) ?? null);
  if (runtime) {
    add(`${root}/${runtime.library.path}`, runtime.library.text, sources.runtime?.kind === "file" ? sources.runtime.source : null);
    if (runtime.commands) add(`${root}/${runtime.commands.path}`, runtime.commands.text, sources.commands?.kind === "file" ? sources.commands.source : null);
    if (runtime.mirror) add(`${root}/${runtime.mirror.path}`, runtime.mirror.text, sources.mirror?.kind === "file" ? sources.mirror.source : null);
  }

  errors.push(...pathConflicts(files, origins));
  if (errors.length) throw new SourceErrors(errors);

  const result: BuildResult = {
    pluginName: root,
    from,
    version: manifests.version,
    applied: chain.map((release) => release.version),
    started: startedFrom(sources, from),
    out: options.out,
    layout: sources.layout,
    files: [...files.keys()].sort(),
    edits,
    created,
    runtime: runtime
      ? { ...moduleSummary(root, runtime.library), commands: runtime.commands && moduleSummary(root, runtime.commands), mirror: runtime.mirror && moduleSummary(root, runtime.mirror) }
      : null,
    workflows: { skills: workflows.names.length, merged: workflows.merged, personOnly: workflows.personOnly },
    cursor: { files: cursor.files.size, notes: cursor.notes },
  };
  return { result, root: sources.root, files, origins, executables, protect, removed, derived };
}

/**
 * The version the releases started from: what an earlier build recorded when the sources are its
 * bundle (a marketplace folder, or the plugin folder inside one), else the sources' own.
 */
function startedFrom(sources: SourceTree, from: string): string {
  const marketplace = sources.manifests.marketplace?.file;
  const recorded = marketplace ? readRecord(dirname(dirname(resolve(marketplace))))?.from : undefined;
  return recorded && semver.valid(recorded) && semver.lte(recorded, from) ? recorded : from;
}

/** The report's summary of a compiled module of the plugin `root`. */
function moduleSummary(root: string, module: CompiledModule): ModuleSummary {
  return { path: `${root}/${module.path}`, sections: module.sections, functions: module.functions, bytes: Buffer.byteLength(module.text, "utf8") };
}

/**
 * The Claude Code manifest `text` without the `commands` entries (`declared`) that named a command now
 * merged into its skill, or the commands/ folder they emptied: the key is removed when none is left.
 */
function withoutMergedCommands(text: string, declared: unknown, merged: string[]): string {
  if (declared === undefined) return text;
  const gone = (path: unknown) => {
    const plain = typeof path === "string" ? path.replace(/^\.\//, "").replace(/\/+$/, "") : "";
    return merged.includes(plain) || (plain === "commands" && merged.length > 0);
  };
  const list = Array.isArray(declared) ? declared : [declared];
  const kept = list.filter((path) => !gone(path));
  if (kept.length === list.length) return text;
  return editJson(text, [[["commands"], kept.length === 0 ? undefined : Array.isArray(declared) ? kept : kept[0]]]);
}

/** The released plugin: `current` holds the texts the releases changed or created, the rest is read from the sources. */
function releasedTree(sources: SourceTree, current: Map<string, TextFile>, created: string[]): WorkflowTree {
  const text = (path: string) => current.get(path)?.text ?? (sources.files.has(path) ? decodeText(sources.files.get(path)!).text : undefined);
  const origin = (path: string) => current.get(path)?.file ?? sources.files.get(path)?.file ?? path;
  return { paths: [...new Set([...sources.files.keys(), ...created])], text, origin };
}

/** The plugin as bundled: the released tree with each workflow as its skill and without the commands merged into one. */
function bundledTree(released: WorkflowTree, workflows: WorkflowSkills): WorkflowTree {
  const merged = new Set(workflows.merged);
  return {
    paths: [...new Set([...released.paths, ...workflows.skills.keys()])].filter((path) => !merged.has(path)),
    text: (path) => workflows.skills.get(path) ?? released.text(path),
    origin: (path) => (workflows.skills.has(path) ? `${path} (a workflow's skill)` : released.origin(path)),
  };
}

/**
 * What Cursor reads, rendered from the bundled plugin (see platforms/cursor.ts); `cursorManifest` is
 * the sources' parsed Cursor manifest (its hooks file keeps its handlers).
 */
function renderForCursor(plugin: WorkflowTree, cursorManifest: JsonFile | null, templateRoot: string, name: string, bytes: (path: string) => Buffer | undefined) {
  const paths = plugin.paths.filter((path) => !path.startsWith(`${CURSOR_FOLDER}/`));
  const declared = cursorManifest?.data.hooks;
  const ownHooks = typeof declared === "string" ? declared.replace(/^\.\//, "") : undefined;
  const sessionStart = readFileSync(join(templateRoot, "templates", "platforms", "cursor", "session_start.py"), "utf8");
  return renderCursor({ ...plugin, paths, bytes }, sessionStart, ownHooks, name);
}

/**
 * Builds the bundle. Throws SourceError or SourceErrors (every problem with file, line and column) when
 * the sources cannot be released or the output folder is refused; nothing is written then.
 */
export function buildPlugin(options: BuildOptions): BuildResult {
  const plan = planBuild(options);
  writeBundle(options.out, plan.files, plan.protect, plan.executables, { from: plan.result.started });
  return plan.result;
}
