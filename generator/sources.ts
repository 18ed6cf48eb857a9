/**
 * Loading what a release is applied to. Three layouts are accepted:
 * - this repository's: manifests and the plugin's root files (README, LICENSE, ...) in
 *   plugin-manifests/, the component folders (agents/, commands/, skills/, hooks/, ...) at the root,
 *   ml_utils.py as plain .py section files in templates/ml_utils/;
 * - a plugin checkout: manifests in .claude-plugin/ (plugin.json, optionally marketplace.json) and
 *   .cursor-plugin/, templates/ml_utils.py as one file with section banners, and every other file of
 *   the tree whatever its folder (hooks, scripts, assets, other platforms' folders, dot-files), except
 *   version-control metadata;
 * - a marketplace folder listing one local plugin (a built dist/): that plugin, with this marketplace.
 * Files are read as bytes; only the ones a release edits are decoded (see decodeText). Symbolic links
 * are followed inside the tree and refused when they point outside it.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SourceError, SourceErrors } from "./errors.ts";
import { parseJsonFile, type JsonFile } from "./json-file.ts";

/** A text file: the name to show in messages and its content (without a byte-order mark; `bom` says whether it had one). */
export interface TextFile {
  file: string;
  text: string;
  bom?: boolean;
}

/** A file of the plugin as read: its name in messages, its bytes, and whether it is executable (a hook script). */
export interface SourceFile {
  file: string;
  bytes: Buffer;
  executable?: boolean;
}

/** The runtime of a source tree: section files (.py, with generated blocks) or one ml_utils.py (to split). */
export type RuntimeSource = { kind: "templates"; files: TextFile[] } | { kind: "file"; file: TextFile; source: SourceFile } | null;

/** The manifest files of a source tree, not yet parsed. Cursor's and the marketplace may be missing. */
export interface ManifestFiles {
  claude: TextFile;
  cursor: TextFile | null;
  marketplace: TextFile | null;
}

/** A loaded source tree. Keys of `files` are paths inside the plugin. */
export interface SourceTree {
  layout: "repository" | "plugin";
  /** The folder the plugin's files were read from. */
  root: string;
  /** The folders (and files) the build reads: the bundle may not be written into or over them. */
  reads: string[];
  manifests: ManifestFiles;
  /** Where each manifest came from, relative to the plugin (for diffs): claude, cursor, marketplace. */
  manifestPaths: { claude: string; cursor: string | null; marketplace: string | null };
  /** Every other file of the plugin, as bytes: copied unchanged unless a release edits it. */
  files: Map<string, SourceFile>;
  runtime: RuntimeSource;
  /** The plugin's command module, templates/ml_automation.py, in a plugin checkout built with one (compiled again, never copied). */
  commands: RuntimeSource;
  /** The MLflow mirror's client side, templates/ml_utils_mlflow.py, in a plugin checkout built with one (compiled again, never copied). */
  mirror: RuntimeSource;
}

/** Folders of version-control metadata, never part of a plugin. */
const VCS_FOLDERS = new Set([".git", ".hg", ".svn", ".bzr", ".jj"]);

/** Component folders of a plugin: when present they must be folders. */
const COMPONENT_FOLDERS = ["agents", "commands", "skills", "hooks"];

/** Folders of this repository whose files make up the plugin (beside plugin-manifests/). */
export const REPOSITORY_PLUGIN_FOLDERS = ["agents", "commands", "skills", "hooks", "bin", "rules", "assets", "evals"];

/** Manifest file names in plugin-manifests/ and where each goes in the plugin. */
const REPOSITORY_MANIFESTS = { claude: "claude-plugin.json", cursor: "cursor-plugin.json", marketplace: "marketplace.json" };

/** The name of `path` in messages: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : path;
}

function fsError(path: string, error: unknown): SourceError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const reason = error instanceof Error ? error.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "") : String(error);
  return new SourceError(displayPath(path), `cannot be read (${code ?? "error"}: ${reason})`, undefined, { ruleId: "source-read", actual: code });
}

/**
 * Loads the source tree at `root`, in any of the three layouts. Throws SourceError or SourceErrors when
 * `root` is none of them, when a file cannot be read, when a manifest is not valid JSON, or when a
 * marketplace folder does not list exactly one local plugin.
 */
export function loadSources(root: string): SourceTree {
  if (!existsSync(root)) throw new SourceError(displayPath(root), "source folder does not exist", undefined, { ruleId: "source-missing", actual: root });
  let isFolder: boolean;
  try {
    isFolder = statSync(root).isDirectory();
  } catch (error) {
    throw fsError(root, error);
  }
  if (!isFolder) throw new SourceError(displayPath(root), "is a file; --source takes the folder of a source tree, plugin checkout or marketplace", undefined, { ruleId: "source-not-folder", actual: root });
  if (existsSync(join(root, "plugin-manifests", REPOSITORY_MANIFESTS.claude))) return loadRepository(root);
  const marketplace = readOptionalText(join(root, ".claude-plugin", "marketplace.json"));
  if (existsSync(join(root, ".claude-plugin", "plugin.json"))) return loadPlugin(root, marketplace ?? enclosingMarketplace(root));
  if (marketplace) return loadPlugin(join(root, localPlugin(parseJsonFile(marketplace.file, marketplace.text))), marketplace);
  throw new SourceError(
    displayPath(root),
    "is not a source tree (plugin-manifests/claude-plugin.json), a plugin checkout (.claude-plugin/plugin.json) or a marketplace (.claude-plugin/marketplace.json)",
    undefined,
    { ruleId: "source-layout", actual: root },
  );
}

function loadRepository(root: string): SourceTree {
  const meta = join(root, "plugin-manifests");
  const errors: SourceError[] = [];
  const files = new Map<string, SourceFile>();
  const manifestNames = new Set(Object.values(REPOSITORY_MANIFESTS));
  for (const [rel, file] of walk(root, meta, errors)) if (!manifestNames.has(rel)) files.set(rel, file);
  checkComponentFolders(root, errors);
  for (const folder of REPOSITORY_PLUGIN_FOLDERS) {
    for (const [rel, file] of walk(root, join(root, folder), errors)) files.set(`${folder}/${rel}`, file);
  }
  const templates = join(root, "templates", "ml_utils");
  const sections = [...walk(root, templates, errors)].filter(([rel]) => rel.endsWith(".py") && !rel.includes("/"));
  if (errors.length) throw new SourceErrors(errors);
  return {
    layout: "repository",
    root,
    reads: [meta, templates, ...REPOSITORY_PLUGIN_FOLDERS.map((folder) => join(root, folder))],
    manifests: {
      claude: readText(join(meta, REPOSITORY_MANIFESTS.claude)),
      cursor: readOptionalText(join(meta, REPOSITORY_MANIFESTS.cursor)),
      marketplace: readOptionalText(join(meta, REPOSITORY_MANIFESTS.marketplace)),
    },
    manifestPaths: {
      claude: `plugin-manifests/${REPOSITORY_MANIFESTS.claude}`,
      cursor: existsSync(join(meta, REPOSITORY_MANIFESTS.cursor)) ? `plugin-manifests/${REPOSITORY_MANIFESTS.cursor}` : null,
      marketplace: existsSync(join(meta, REPOSITORY_MANIFESTS.marketplace)) ? `plugin-manifests/${REPOSITORY_MANIFESTS.marketplace}` : null,
    },
    files,
    runtime: sections.length ? { kind: "templates", files: sections.map(([, file]) => decodeText(file)) } : null,
    commands: null,
    mirror: null,
  };
}

/** Plugin paths that are not carried as files: the manifests (released separately) and the runtime's two modules (compiled). */
const PLUGIN_MANIFESTS = { claude: ".claude-plugin/plugin.json", cursor: ".cursor-plugin/plugin.json", marketplace: ".claude-plugin/marketplace.json" };
const RUNTIME_PATH = "templates/ml_utils.py";
const COMMANDS_PATH = "templates/ml_automation.py";
const MIRROR_PATH = "templates/ml_utils_mlflow.py";

function loadPlugin(root: string, marketplace: TextFile | null): SourceTree {
  if (!existsSync(join(root, ".claude-plugin", "plugin.json"))) {
    throw new SourceError(displayPath(root), "the marketplace's plugin folder has no .claude-plugin/plugin.json", undefined, { ruleId: "source-layout", actual: root });
  }
  const errors: SourceError[] = [];
  checkComponentFolders(root, errors);
  const skip = new Set<string>([...Object.values(PLUGIN_MANIFESTS), RUNTIME_PATH, COMMANDS_PATH, MIRROR_PATH]);
  const files = new Map<string, SourceFile>();
  let runtime: SourceFile | undefined;
  let commands: SourceFile | undefined;
  let mirror: SourceFile | undefined;
  for (const [rel, file] of walk(root, root, errors)) {
    if (rel === RUNTIME_PATH) runtime = file;
    if (rel === COMMANDS_PATH) commands = file;
    if (rel === MIRROR_PATH) mirror = file;
    if (!skip.has(rel)) files.set(rel, file);
  }
  if (errors.length) throw new SourceErrors(errors);
  const cursor = readOptionalText(join(root, ".cursor-plugin", "plugin.json"));
  return {
    layout: "plugin",
    root,
    reads: [root, ...(marketplace ? [resolve(marketplace.file)] : [])],
    manifests: { claude: readText(join(root, ".claude-plugin", "plugin.json")), cursor, marketplace },
    manifestPaths: { claude: PLUGIN_MANIFESTS.claude, cursor: cursor ? PLUGIN_MANIFESTS.cursor : null, marketplace: marketplace ? PLUGIN_MANIFESTS.marketplace : null },
    files,
    runtime: runtime ? { kind: "file", file: decodeText(runtime), source: runtime } : null,
    commands: commands ? { kind: "file", file: decodeText(commands), source: commands } : null,
    mirror: mirror ? { kind: "file", file: decodeText(mirror), source: mirror } : null,
  };
}

/** Adds an error for each component folder name (agents/, commands/, ...) that exists but is not a folder. */
function checkComponentFolders(root: string, errors: SourceError[]): void {
  for (const folder of COMPONENT_FOLDERS) {
    const path = join(root, folder);
    try {
      if (existsSync(path) && !statSync(path).isDirectory()) {
        errors.push(new SourceError(displayPath(path), `is a file, but a plugin's ${folder}/ must be a folder`, undefined, { ruleId: "source-not-folder", actual: folder }));
      }
    } catch (error) {
      errors.push(fsError(path, error));
    }
  }
}

/**
 * The marketplace of the folder above a plugin checkout, when it lists exactly that one plugin (a
 * built bundle's plugin folder, e.g. dist/ml-automation): its entry (license, keywords, ...) is then
 * kept rather than derived from the plugin's manifest. Null otherwise, a marketplace that is not JSON
 * included (it is not this plugin's).
 */
function enclosingMarketplace(root: string): TextFile | null {
  const candidate = readOptionalText(join(dirname(resolve(root)), ".claude-plugin", "marketplace.json"));
  if (!candidate) return null;
  try {
    const local = join(dirname(resolve(root)), localPlugin(parseJsonFile(candidate.file, candidate.text)));
    return existsSync(local) && realpathSync(local) === realpathSync(root) ? candidate : null;
  } catch (error) {
    if (error instanceof SourceError) return null;
    throw error;
  }
}

/** The folder of the one plugin a marketplace lists with a local ("./...") source. */
function localPlugin(marketplace: JsonFile): string {
  const plugins = Array.isArray(marketplace.data.plugins) ? (marketplace.data.plugins as Array<Record<string, unknown>>) : [];
  const local = plugins.map((plugin) => plugin.source).filter((source): source is string => typeof source === "string" && source.startsWith("./"));
  const [only] = local;
  if (local.length !== 1 || only === undefined) {
    throw new SourceError(marketplace.file, `a marketplace used as source must list exactly one local plugin ("source": "./..."), found ${local.length}`, undefined, {
      ruleId: "source-layout",
    });
  }
  return only;
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw fsError(path, error);
  }
}

function readText(path: string): TextFile {
  return decodeText({ file: displayPath(path), bytes: readBytes(path) });
}

function readOptionalText(path: string): TextFile | null {
  return existsSync(path) ? readText(path) : null;
}

/** The byte offset of the first byte that is not part of valid UTF-8 in `bytes`, or -1. */
export function invalidUtf8Offset(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] ?? 0;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const second = bytes[i + 1] ?? 0;
    if ((byte === 0xe0 && second < 0xa0) || (byte === 0xed && second > 0x9f) || (byte === 0xf0 && second < 0x90) || (byte === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return -1;
}

/**
 * Decodes a file as UTF-8 text, setting aside a byte-order mark (`bom`). Throws SourceError
 * `source-encoding` naming the byte offset (and its line and column) of the first invalid byte.
 */
export function decodeText(source: SourceFile): TextFile {
  const offset = invalidUtf8Offset(source.bytes);
  if (offset !== -1) {
    const before = source.bytes.subarray(0, offset);
    const line = before.filter((byte) => byte === 10).length + 1;
    const column = offset - (before.lastIndexOf(10) + 1) + 1;
    const value = `0x${(source.bytes[offset] ?? 0).toString(16).padStart(2, "0")}`;
    throw new SourceError(source.file, `is not valid UTF-8: byte ${value} at byte offset ${offset}; save it as UTF-8 (the release edits it)`, line, {
      column,
      ruleId: "source-encoding",
      actual: value,
    });
  }
  const text = source.bytes.toString("utf8");
  return text.startsWith("\uFEFF") ? { file: source.file, text: text.slice(1), bom: true } : { file: source.file, text };
}

/** Returns the bytes of a released text file, with the byte-order mark it was read with. */
export function encodeText(text: string, bom = false): Buffer {
  return Buffer.from(bom ? `\uFEFF${text}` : text, "utf8");
}

/**
 * Lists the files below `dir` (relative, '/'-separated, sorted by code point) with their bytes; [] when
 * `dir` does not exist. Skips version-control folders. Follows symbolic links whose target is inside
 * `root`; adds SourceError `source-symlink-outside` for one pointing elsewhere and `source-read` for
 * anything that cannot be read.
 */
function walk(root: string, dir: string, errors: SourceError[]): Map<string, SourceFile> {
  const found = new Map<string, SourceFile>();
  if (!existsSync(dir)) return found;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (error) {
    errors.push(fsError(root, error));
    return found;
  }
  /** Real paths of the folders being walked (a link back to one of them would loop). */
  const visiting = new Set<string>();
  const visit = (folder: string, prefix: string): void => {
    let names: string[];
    let real: string;
    try {
      real = realpathSync(folder);
      if (visiting.has(real)) return;
      names = readdirSync(folder).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    } catch (error) {
      errors.push(fsError(folder, error));
      return;
    }
    visiting.add(real);
    for (const name of names) {
      if (VCS_FOLDERS.has(name)) continue;
      const path = join(folder, name);
      const rel = prefix + name;
      try {
        let stats = lstatSync(path);
        if (stats.isSymbolicLink()) {
          const target = realpathSync(path);
          const inside = relative(realRoot, target);
          if (inside.startsWith("..") || isAbsolute(inside)) {
            errors.push(new SourceError(displayPath(path), `is a symbolic link to ${target}, outside the source tree; copy the file in instead`, undefined, {
              ruleId: "source-symlink-outside",
              actual: target,
            }));
            continue;
          }
          stats = statSync(path);
        }
        if (stats.isDirectory()) visit(path, `${rel}/`);
        else if (stats.isFile()) found.set(rel, { file: displayPath(path), bytes: readFileSync(path), executable: (stats.mode & 0o111) !== 0 });
      } catch (error) {
        errors.push(fsError(path, error));
      }
    }
    visiting.delete(real);
  };
  visit(dir, "");
  return found;
}

/**
 * Decodes the markdown files of a tree (every `.md`), for checks that read them all. Throws
 * SourceErrors for files that are not valid UTF-8.
 */
export function markdownDocuments(tree: SourceTree): Map<string, TextFile> {
  const documents = new Map<string, TextFile>();
  const errors: SourceError[] = [];
  for (const [path, file] of tree.files) {
    if (!path.endsWith(".md")) continue;
    try {
      documents.set(path, decodeText(file));
    } catch (error) {
      if (error instanceof SourceError) errors.push(error);
      else throw error;
    }
  }
  if (errors.length) throw new SourceErrors(errors);
  return documents;
}
