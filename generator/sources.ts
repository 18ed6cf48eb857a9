/**
 * Loading what a release is applied to. Three layouts are accepted:
 * - this repository's: manifests and plugin README in plugin-manifests/, ml_utils.py as section
 *   files in templates/ml_utils/ (plain .py);
 * - a plugin checkout: manifests in .claude-plugin/ (plugin.json, optionally marketplace.json) and
 *   .cursor-plugin/, README.md at the root, templates/ml_utils.py as one file with section banners;
 * - a marketplace folder listing one local plugin (a built dist/): that plugin, with this marketplace.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { SourceError } from "./errors.ts";
import { parseJsonFile, type JsonFile } from "./json-file.ts";

/** A text file: the name to show in messages and its content. */
export interface TextFile {
  file: string;
  text: string;
}

/** The runtime of a source tree: section templates (to render) or one ml_utils.py (to split). */
export type RuntimeSource = { kind: "templates"; files: TextFile[] } | { kind: "file"; file: TextFile } | null;

/** The manifest files of a source tree, not yet parsed. Cursor's and the marketplace may be missing. */
export interface ManifestFiles {
  claude: TextFile;
  cursor: TextFile | null;
  marketplace: TextFile | null;
}

/** A loaded source tree. Keys of `documents` and `assets` are paths inside the plugin. */
export interface SourceTree {
  layout: "repository" | "plugin";
  /** The folder the plugin's files were read from. */
  root: string;
  manifests: ManifestFiles;
  /** Markdown the release may edit: agents, commands, skills' SKILL.md, README.md. */
  documents: Map<string, TextFile>;
  /** Other files copied unchanged (a skill's reference files, LICENSE, ...). */
  assets: Map<string, { file: string; bytes: Buffer }>;
  runtime: RuntimeSource;
}

/** The name of `path` in messages: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel.split(sep).join("/") : path;
}

/**
 * Loads the source tree at `root`, in any of the three layouts. Throws SourceError when `root` is
 * none of them, when a manifest is not valid JSON, or when a marketplace folder does not list exactly
 * one local plugin.
 */
export function loadSources(root: string): SourceTree {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new SourceError(displayPath(root), "source folder does not exist");
  if (existsSync(join(root, "plugin-manifests", "claude-plugin.json"))) return loadRepository(root);
  const marketplace = readOptionalText(join(root, ".claude-plugin", "marketplace.json"));
  if (existsSync(join(root, ".claude-plugin", "plugin.json"))) return loadPlugin(root, marketplace);
  if (marketplace) return loadPlugin(join(root, localPlugin(parseJsonFile(marketplace.file, marketplace.text))), marketplace);
  throw new SourceError(
    displayPath(root),
    "is not a source tree (plugin-manifests/claude-plugin.json), a plugin checkout (.claude-plugin/plugin.json) or a marketplace (.claude-plugin/marketplace.json)",
  );
}

function loadRepository(root: string): SourceTree {
  const meta = join(root, "plugin-manifests");
  const templates = join(root, "templates", "ml_utils");
  const files = listFiles(templates).filter((rel) => rel.endsWith(".py") && !rel.includes("/"));
  return {
    layout: "repository",
    root,
    manifests: {
      claude: readText(join(meta, "claude-plugin.json")),
      cursor: readOptionalText(join(meta, "cursor-plugin.json")),
      marketplace: readOptionalText(join(meta, "marketplace.json")),
    },
    ...loadComponents(root, meta),
    runtime: files.length ? { kind: "templates", files: files.map((rel) => readText(join(templates, rel))) } : null,
  };
}

function loadPlugin(root: string, marketplace: TextFile | null): SourceTree {
  if (!existsSync(join(root, ".claude-plugin", "plugin.json"))) {
    throw new SourceError(displayPath(root), "the marketplace's plugin folder has no .claude-plugin/plugin.json");
  }
  const components = loadComponents(root, root);
  for (const rel of listFiles(join(root, "templates"))) {
    const path = join(root, "templates", rel);
    if (rel !== "ml_utils.py") components.assets.set(`templates/${rel}`, { file: displayPath(path), bytes: readFileSync(path) });
  }
  const runtime = join(root, "templates", "ml_utils.py");
  return {
    layout: "plugin",
    root,
    manifests: {
      claude: readText(join(root, ".claude-plugin", "plugin.json")),
      cursor: readOptionalText(join(root, ".cursor-plugin", "plugin.json")),
      marketplace,
    },
    ...components,
    runtime: existsSync(runtime) ? { kind: "file", file: readText(runtime) } : null,
  };
}

/** Reads agents, commands, skills, and README.md and LICENSE from `meta`. */
function loadComponents(root: string, meta: string): Pick<SourceTree, "documents" | "assets"> {
  const documents = new Map<string, TextFile>();
  const assets = new Map<string, { file: string; bytes: Buffer }>();
  const isDocument = { agents: /^[^/]+\.md$/, commands: /^[^/]+\.md$/, skills: /^[^/]+\/SKILL\.md$/ };
  for (const [folder, pattern] of Object.entries(isDocument)) {
    for (const rel of listFiles(join(root, folder))) {
      const path = join(root, folder, rel);
      if (pattern.test(rel)) documents.set(`${folder}/${rel}`, readText(path));
      else assets.set(`${folder}/${rel}`, { file: displayPath(path), bytes: readFileSync(path) });
    }
  }
  if (existsSync(join(meta, "README.md"))) documents.set("README.md", readText(join(meta, "README.md")));
  if (existsSync(join(meta, "LICENSE"))) assets.set("LICENSE", { file: displayPath(join(meta, "LICENSE")), bytes: readFileSync(join(meta, "LICENSE")) });
  return { documents, assets };
}

/** The folder of the one plugin a marketplace lists with a local ("./...") source. */
function localPlugin(marketplace: JsonFile): string {
  const plugins = Array.isArray(marketplace.data.plugins) ? (marketplace.data.plugins as Array<Record<string, unknown>>) : [];
  const local = plugins.map((plugin) => plugin.source).filter((source): source is string => typeof source === "string" && source.startsWith("./"));
  const [only] = local;
  if (local.length !== 1 || only === undefined) {
    throw new SourceError(marketplace.file, `a marketplace used as source must list exactly one local plugin ("source": "./..."), found ${local.length}`);
  }
  return only;
}

function readText(path: string): TextFile {
  return { file: displayPath(path), text: readFileSync(path, "utf8") };
}

function readOptionalText(path: string): TextFile | null {
  return existsSync(path) ? readText(path) : null;
}

/** Lists the files below `dir` (relative, '/'-separated, sorted by code point); [] when it does not exist. */
function listFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) return listFiles(join(dir, entry.name), rel + "/");
      return entry.isFile() ? [rel] : [];
    });
}
