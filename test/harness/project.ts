/** Projects for the scripted-model tests: the built bundle, a Python with the data stack, PATHs. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { repoRoot, runBuild } from "../helpers.ts";

/** The test environment's Python (numpy, pandas, scikit-learn), made by scripts/python-env.mjs. */
export const venvBin = join(repoRoot, ".venv", process.platform === "win32" ? "Scripts" : "bin");
export const venvPython = join(venvBin, process.platform === "win32" ? "python.exe" : "python");

/** Builds the bundle into a new temporary folder and returns the folder (throws with the build's output on failure). */
export function buildBundle(): string {
  const out = join(mkdtempSync(join(tmpdir(), "mla-bundle-")), "dist");
  const result = runBuild(["--out", out]);
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
  return out;
}

/** Runs the test environment's Python on `args` in `cwd`; throws with its output when it fails. */
export function runPython(args: string[], cwd: string): string {
  if (!existsSync(venvPython)) throw new Error(`${venvPython} is missing: run \`node scripts/python-env.mjs\` (npm test does)`);
  const result = spawnSync(venvPython, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`python ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** A PATH with the test environment's Python first (what a data scientist's activated venv gives). */
export function pathWithVenv(): string {
  return [venvBin, process.env.PATH ?? ""].join(delimiter);
}

const pathsWithout = new Map<string, string>();

/**
 * A PATH that finds every program of the current PATH except those whose name starts with one of
 * `hidden` (e.g. "python"): a folder of links to the rest, made once per test process and removed
 * when it exits.
 */
export function pathWithout(hidden: string[]): string {
  const key = [...hidden].sort().join("\0");
  const known = pathsWithout.get(key);
  if (known) return known;
  const folder = mkdtempSync(join(tmpdir(), "mla-path-"));
  if (pathsWithout.size === 0) process.once("exit", () => pathsWithout.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  pathsWithout.set(key, folder);
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (seen.has(name) || hidden.some((prefix) => name.startsWith(prefix))) continue;
      seen.add(name);
      symlinkSync(join(dir, name), join(folder, name));
    }
  }
  return folder;
}
