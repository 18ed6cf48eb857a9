/**
 * `--dry-run`: what a build would change, as a patch that `git apply` (or `patch -p1`) applies as
 * printed. Without `--since` the patch is against the sources, at their own paths (run it in the
 * `--source` folder and the sources hold what the bundle would); with `--since VERSION` it is against
 * the bundle of that release (run it in a bundle built at VERSION). A few lines before the first diff
 * say what it is and list what the patch leaves out (optional edits the tree does not have, files the
 * build makes that have no source file); `git apply` and `patch` skip them.
 */
import { createTwoFilesPatch } from "diff";
import { isAbsolute, relative, resolve } from "node:path";
import semver from "semver";
import type { BundlePlan } from "./build.ts";
import { REPOSITORY_PLUGIN_FOLDERS, invalidUtf8Offset } from "./sources.ts";

/** One file of a patch: its path (relative to the folder the patch applies in) and in the bundle, its bytes before and after (null: absent), and whether it is executable. */
export interface PatchFile {
  path: string;
  bundlePath: string;
  before: Buffer | null;
  after: Buffer | null;
  executableBefore: boolean;
  executableAfter: boolean;
}

/** A patch and what it leaves out. */
export interface Patch {
  files: PatchFile[];
  /** Bundle paths the build makes that have no file in the sources to patch (the compiled runtime, what is rendered for Cursor, in this repository's layout). */
  built: string[];
}

function bytesOf(content: string | Buffer): Buffer {
  return Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
}

/** The path inside the plugin of a bundle path (`ml-automation/agents/x.md` -> `agents/x.md`), or null for the marketplace beside it. */
function pluginPath(plan: BundlePlan, path: string): string | null {
  const prefix = `${plan.result.pluginName}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : null;
}

/**
 * Where a file the build makes without a source would go in the sources, relative to `source` (the
 * folder given as --source); null when it has no place there (a build product in this repository's
 * layout, or a marketplace derived for a plugin checkout).
 */
function newFileInSources(plan: BundlePlan, source: string, path: string): string | null {
  const inPlugin = pluginPath(plan, path);
  if (inPlugin === null) return null;
  if (plan.result.layout === "repository") {
    if (!inPlugin.includes("/")) return `plugin-manifests/${inPlugin}`;
    return REPOSITORY_PLUGIN_FOLDERS.includes(inPlugin.split("/")[0] ?? "") ? inPlugin : null;
  }
  const prefix = relative(resolve(source), resolve(plan.root)).split("\\").join("/");
  return prefix ? `${prefix}/${inPlugin}` : inPlugin;
}

/** `file` (as named in messages: relative to the working folder, or absolute) relative to `source`; null when outside it. */
function inside(source: string, file: string): string | null {
  const rel = relative(resolve(source), resolve(file));
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split("\\").join("/") : null;
}

/**
 * The patch from the sources (read from `source`, the folder given as --source) to the planned
 * bundle: every file the bundle would hold differently, at its path in the sources; new files where
 * the sources' layout keeps them; source files the bundle does not hold (merged into others) deleted.
 */
export function sourcePatch(plan: BundlePlan, source: string): Patch {
  const files: PatchFile[] = [];
  const built: string[] = [];
  for (const [path, content] of plan.files) {
    if (plan.derived.has(path)) {
      built.push(path);
      continue;
    }
    const after = bytesOf(content);
    const origin = plan.origins.get(path) ?? null;
    if (origin && origin.bytes.equals(after)) continue;
    const target = origin ? inside(source, origin.file) : newFileInSources(plan, source, path);
    if (target === null) {
      built.push(path);
      continue;
    }
    const executable = plan.executables.has(path);
    files.push({ path: target, bundlePath: path, before: origin ? origin.bytes : null, after, executableBefore: executable, executableAfter: executable });
  }
  // Source files the bundle does not hold (a workflow's command merged into its skill) go.
  for (const [path, file] of plan.removed) {
    const target = inside(source, file.file);
    if (target !== null) files.push({ path: target, bundlePath: `${plan.result.pluginName}/${path}`, before: file.bytes, after: null, executableBefore: Boolean(file.executable), executableAfter: false });
  }
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), built: built.sort() };
}

/** The patch from one planned bundle (`base`, e.g. as of an earlier release) to another, at the bundle's paths. */
export function bundlePatch(base: BundlePlan, plan: BundlePlan): Patch {
  const paths = [...new Set([...base.files.keys(), ...plan.files.keys()])].sort();
  const files: PatchFile[] = [];
  for (const path of paths) {
    const before = base.files.has(path) ? bytesOf(base.files.get(path) ?? "") : null;
    const after = plan.files.has(path) ? bytesOf(plan.files.get(path) ?? "") : null;
    const executableBefore = base.executables.has(path);
    const executableAfter = plan.executables.has(path);
    if (before && after && before.equals(after) && executableBefore === executableAfter) continue;
    files.push({ path, bundlePath: path, before, after, executableBefore, executableAfter });
  }
  return { files, built: [] };
}

/** The names a bundle file goes by on the command line: its path in the bundle and in the plugin, and its source's path (relative to `source`). */
function namesOf(plan: BundlePlan, source: string, path: string): string[] {
  const origin = plan.origins.get(path);
  return [path, pluginPath(plan, path), origin ? inside(source, origin.file) : null].filter((name): name is string => name !== null);
}

/** Every name a file of the planned bundle goes by (see namesOf), for --only. */
export function knownNames(plan: BundlePlan, source: string): Set<string> {
  return new Set([...plan.files.keys()].flatMap((path) => namesOf(plan, source, path)));
}

/** Keeps the files of `patch` that `only` names (a path in the sources, the plugin or the bundle). */
export function onlyFiles(patch: Patch, only: string[], plan: BundlePlan, source: string): Patch {
  const wanted = new Set(only.map((path) => path.replace(/^\.\//, "")));
  const named = (path: string) => [path, ...namesOf(plan, source, path)].some((name) => wanted.has(name));
  return { files: patch.files.filter((file) => wanted.has(file.path) || named(file.bundlePath)), built: patch.built.filter(named) };
}

/** Formats one file as a git diff (extended headers for new, deleted and mode-changed files). */
function formatFile(file: PatchFile): string {
  const mode = (executable: boolean) => (executable ? "100755" : "100644");
  const header = [`diff --git a/${file.path} b/${file.path}`];
  if (!file.before) header.push(`new file mode ${mode(file.executableAfter)}`);
  else if (!file.after) header.push(`deleted file mode ${mode(file.executableBefore)}`);
  else if (file.executableBefore !== file.executableAfter) header.push(`old mode ${mode(file.executableBefore)}`, `new mode ${mode(file.executableAfter)}`);
  const before = file.before ?? Buffer.alloc(0);
  const after = file.after ?? Buffer.alloc(0);
  if (before.equals(after)) return `${header.join("\n")}\n`;
  if (invalidUtf8Offset(before) !== -1 || invalidUtf8Offset(after) !== -1) return `${header.join("\n")}\nBinary files ${file.before ? `a/${file.path}` : "/dev/null"} and ${file.after ? `b/${file.path}` : "/dev/null"} differ\n`;
  const diff = createTwoFilesPatch(file.before ? `a/${file.path}` : "/dev/null", file.after ? `b/${file.path}` : "/dev/null", before.toString("utf8"), after.toString("utf8"), undefined, undefined, { context: 3 });
  // The diff package opens with an "Index:" line and a rule; git's headers take their place.
  return `${header.join("\n")}\n${diff.slice(diff.indexOf("\n---") + 1)}`;
}

/** The patch as text: one git diff per file, in path order. */
export function formatPatch(patch: Patch): string {
  return patch.files.map(formatFile).join("");
}

/** What a dry run was asked: the folder of the sources, the bundle's folder, and the release it starts after (--since). */
export interface DryRunRequest {
  source: string;
  out: string;
  since?: string;
  /** Why a build would not write to `out` (a dry run writes nothing, so it goes on). */
  refused?: string;
}

/** `path` for messages: relative to the working folder when inside it ("." for it). */
function shown(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? resolve(path) : rel;
}

/** Lists paths for a note, folding each folder of many files into one entry ("cursor/ (36 files)"). */
function listPaths(paths: string[], plan: BundlePlan): string {
  const folders = new Map<string, string[]>();
  for (const path of paths) {
    const inPlugin = pluginPath(plan, path) ?? path;
    const key = inPlugin.includes("/") ? `${inPlugin.split("/")[0]}/` : inPlugin;
    folders.set(key, [...(folders.get(key) ?? []), inPlugin]);
  }
  return [...folders].map(([name, files]) => (files.length > 1 ? `${name} (${files.length} files)` : (files[0] ?? name))).join(", ");
}

/**
 * The dry run's output: a few lines saying what the patch is and where it applies, what it leaves
 * out (files the build makes that have no source file, optional edits the tree does not have, a
 * destination a build would refuse), then the patch, or "no changes".
 */
export function formatDryRun(plan: BundlePlan, patch: Patch, request: DryRunRequest): string {
  const { result } = plan;
  const since = request.since;
  const after = since ? result.applied.filter((version) => semver.gt(version, since)) : result.applied;
  const releases = after.length ? `release${after.length === 1 ? "" : "s"} ${after.join(", ")}` : "no release";
  const lines = since
    ? [
        after.length
          ? `Dry run (nothing written): what ${releases} change${after.length === 1 ? "s" : ""} in the bundle of ${since} (sources at ${result.from} in ${shown(request.source)}).`
          : `Dry run (nothing written): no release comes after ${since}, so its bundle stays as it is.`,
        `Paths are the bundle's: \`git apply\` (or \`patch -p1\`) in the folder of a bundle built at ${since} (such as ${shown(request.out)}) applies this patch.`,
      ]
    : [
        `Dry run (nothing written): ${releases} applied to the sources at ${result.from} in ${shown(request.source)} (the bundle would go to ${shown(request.out)}).`,
        `Paths are the sources': \`git apply\` (or \`patch -p1\`) in ${shown(request.source)} applies this patch.`,
      ];
  if (patch.built.length) lines.push(`Made by the build, with no source file to patch: ${listPaths(patch.built, plan)}.`);
  const absent = result.edits.filter((edit) => edit.action === "not present" && after.includes(edit.release));
  if (absent.length) {
    lines.push("Optional edits this tree does not have (left out):");
    const width = Math.max(...absent.map((edit) => edit.file.length));
    for (const edit of absent) lines.push(`  ${edit.file.padEnd(width)}  ${edit.release}  ${edit.label}`);
  }
  if (request.refused) lines.push(`A build would not write to ${shown(request.out)}: ${request.refused}`);
  const count = patch.files.length;
  lines.push(count ? `${count} file${count === 1 ? "" : "s"} would change.` : "No changes.");
  return `${lines.join("\n")}\n${count ? `\n${formatPatch(patch)}` : ""}`;
}
