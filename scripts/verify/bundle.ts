/** Reading a built bundle (dist/): its marketplace, the plugin folder it lists, and the plugin's files. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "../../generator/errors.ts";
import { parseJsonFile, type JsonFile } from "../../generator/json-file.ts";
import { displayPath, type TextFile } from "../../generator/sources.ts";

/** A bundle as verification sees it. Keys of `documents` are paths inside the plugin folder. */
export interface Bundle {
  pluginDir: string;
  marketplace: JsonFile;
  claude: JsonFile;
  cursor: JsonFile | null;
  documents: Map<string, TextFile>;
  runtime: TextFile | null;
}

/**
 * Loads the bundle in `dir` (holding .claude-plugin/marketplace.json and the plugin folder it lists).
 * Throws SourceError when the marketplace or the plugin manifest is missing or not valid JSON.
 */
export function loadBundle(dir: string): Bundle {
  const marketplacePath = join(dir, ".claude-plugin", "marketplace.json");
  if (!existsSync(marketplacePath)) throw new SourceError(displayPath(dir), "is not a bundle: .claude-plugin/marketplace.json is missing (run npm run build:plugin)");
  const marketplace = readJson(marketplacePath);
  const plugins = Array.isArray(marketplace.data.plugins) ? (marketplace.data.plugins as Array<Record<string, unknown>>) : [];
  const source = plugins.map((plugin) => plugin.source).find((value): value is string => typeof value === "string" && value.startsWith("./"));
  if (!source) throw new SourceError(marketplace.file, "lists no local plugin (a plugin whose source is ./<folder>)");
  const pluginDir = join(dir, source);
  const claudePath = join(pluginDir, ".claude-plugin", "plugin.json");
  if (!existsSync(claudePath)) throw new SourceError(displayPath(pluginDir), "has no .claude-plugin/plugin.json");
  const cursorPath = join(pluginDir, ".cursor-plugin", "plugin.json");
  const runtimePath = join(pluginDir, "templates", "ml_utils.py");
  return {
    pluginDir,
    marketplace,
    claude: readJson(claudePath),
    cursor: existsSync(cursorPath) ? readJson(cursorPath) : null,
    documents: readMarkdown(pluginDir),
    runtime: existsSync(runtimePath) ? readText(runtimePath) : null,
  };
}

/** Reads agents/*.md, commands/*.md, skills/<name>/SKILL.md and README.md of a plugin folder. */
export function readMarkdown(pluginDir: string): Map<string, TextFile> {
  const documents = new Map<string, TextFile>();
  for (const folder of ["agents", "commands"]) {
    const path = join(pluginDir, folder);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path).filter((entry) => entry.endsWith(".md")).sort()) {
      documents.set(`${folder}/${name}`, readText(join(path, name)));
    }
  }
  const skills = join(pluginDir, "skills");
  if (existsSync(skills)) {
    for (const name of readdirSync(skills).sort()) {
      const path = join(skills, name, "SKILL.md");
      if (existsSync(path)) documents.set(`skills/${name}/SKILL.md`, readText(path));
    }
  }
  if (existsSync(join(pluginDir, "README.md"))) documents.set("README.md", readText(join(pluginDir, "README.md")));
  return documents;
}

function readText(path: string): TextFile {
  return { file: displayPath(path), text: readFileSync(path, "utf8") };
}

function readJson(path: string): JsonFile {
  const { file, text } = readText(path);
  return parseJsonFile(file, text);
}
