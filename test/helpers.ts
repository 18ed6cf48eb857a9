/** Shared helpers for the generator tests: the repository, copies of its sources, running the CLIs. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { REPOSITORY_PLUGIN_FOLDERS } from "../generator/sources.ts";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));
/** The tsx program of the repository (runs the generator and scripts from their TypeScript). */
export const tsx = join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

/** A fresh temporary folder. */
export function tempDir(prefix = "mla-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Copies the repository's plugin sources (repository layout: every plugin folder, the manifests, the runtime sections) into a new temporary folder and returns it. */
export function copySources(): string {
  const dir = tempDir("mla-src-");
  for (const folder of [...REPOSITORY_PLUGIN_FOLDERS, "plugin-manifests", join("templates", "ml_utils")]) {
    if (existsSync(join(repoRoot, folder))) cpSync(join(repoRoot, folder), join(dir, folder), { recursive: true });
  }
  return dir;
}

/**
 * Copies what a maintainer edits and runs (the generator, scripts, templates with the releases, the
 * plugin sources and manifests, package.json) into a new temporary folder, with node_modules (and the
 * Python .venv, when there is one) linked, and returns it: a repository to add a release to.
 */
export function copyRepository(): string {
  const dir = tempDir("mla-repo-");
  for (const entry of ["generator", "scripts", "templates", "plugin-manifests", "package.json", "tsconfig.json", ...REPOSITORY_PLUGIN_FOLDERS]) {
    if (existsSync(join(repoRoot, entry))) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  for (const link of ["node_modules", ".venv"]) if (existsSync(join(repoRoot, link))) symlinkSync(join(repoRoot, link), join(dir, link));
  return dir;
}

/** Runs one of the repository's TypeScript programs (e.g. generator/cli.ts) of the repository `root` in `root`, and returns its exit status and output. */
export function runIn(root: string, program: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tsx, [join(root, program), ...args], { cwd: root, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `npm run build:plugin -- ...args` (the CLI, via tsx) and returns its exit status and output. */
export function runBuild(args: string[], cwd = repoRoot): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tsx, [join(repoRoot, "generator", "cli.ts"), ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `npm run verify -- ...args` and returns its exit status and output. */
export function runVerify(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(tsx, [join(repoRoot, "scripts", "verify.ts"), ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Copies the bundle `dist` to `copy`, makes `change` to one file of its plugin folder (`path` inside it; "" when it is new), and returns the copy. */
export function brokenBundle(dist: string, copy: string, path: string, change: (text: string) => string): string {
  cpSync(dist, copy, { recursive: true });
  const file = join(copy, "ml-automation", path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, change(existsSync(file) ? readFileSync(file, "utf8") : ""));
  return copy;
}

/** Reads every file below `dir` into a map of relative path to bytes. */
export function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path).split("\\").join("/"), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}
