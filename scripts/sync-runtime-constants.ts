/**
 * `npm run sync:constants [-- --check]`: rewrites the generated blocks of the runtime's `.py` section
 * files from generator/constants.ts (with --check: lists the stale ones and exits 1, writing nothing).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceError } from "../generator/errors.ts";
import { fillGeneratedBlocks } from "../generator/runtime-constants.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Every runtime section file of the repository: templates/ml_utils/*.py and templates/releases/<version>/{ml_utils,ml_utils_mlflow,ml_automation}/*.py. */
export function runtimeSectionFiles(): string[] {
  const inFolder = (folder: string) => readdirSync(folder).filter((name) => name.endsWith(".py")).sort().map((name) => join(folder, name));
  const releases = join(root, "templates", "releases");
  return [
    ...inFolder(join(root, "templates", "ml_utils")),
    // A release's sections of the library, of the mirror's client side and of the plugin's commands.
    ...readdirSync(releases).sort().flatMap((version) =>
      ["ml_utils", "ml_utils_mlflow", "ml_automation"].flatMap((module) => {
        try {
          return inFolder(join(releases, version, module));
        } catch {
          return [];
        }
      }),
    ),
  ];
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const stale: string[] = [];
  for (const path of runtimeSectionFiles()) {
    const name = relative(root, path);
    const text = readFileSync(path, "utf8");
    let filled;
    try {
      filled = fillGeneratedBlocks(name, text);
    } catch (error) {
      if (error instanceof SourceError) {
        console.error(error.message);
        return 1;
      }
      throw error;
    }
    if (filled.text === text) continue;
    stale.push(name);
    if (!check) writeFileSync(path, filled.text);
  }
  for (const name of stale) console.log(`${check ? "stale" : "updated"}: ${name}`);
  return check && stale.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
