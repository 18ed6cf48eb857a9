/**
 * Writing the bundle: every file goes into a temporary folder next to the destination, which then
 * replaces the destination in one rename. A failed build leaves the destination as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";

/** A file of the bundle: its path inside the destination ('/'-separated) and its content. */
export type BundleFiles = Map<string, string | Buffer>;

/**
 * Writes `files` into `out`, replacing what was there, atomically. `marker` is a file that an
 * earlier build left in `out`: a non-empty `out` without it is refused, so a mistyped `--out` cannot
 * wipe a folder that is not a bundle. `protect` lists folders `out` must not be, nor contain
 * (the source tree). Paths in `executables` get the executable bit. Throws Error when `out` is refused or a write fails; `out` is then unchanged.
 */
export function writeBundle(out: string, files: BundleFiles, marker: string, protect: string[], executables: ReadonlySet<string> = new Set()): void {
  const target = resolve(out);
  for (const folder of protect.map((path) => resolve(path))) {
    const rel = relative(target, folder);
    if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) {
      throw new Error(`refusing to write the bundle to ${out}: it holds the sources (${folder})`);
    }
  }
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new Error(`refusing to write the bundle to ${out}: it is a file`);
    if (readdirSync(target).length > 0 && !existsSync(join(target, marker))) {
      throw new Error(`refusing to replace ${out}: it is not empty and holds no ${marker}, so it is not an earlier build`);
    }
  }
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.building-`));
  const retired = `${staging}.previous`;
  try {
    for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const file = join(staging, ...path.split("/"));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content, { mode: executables.has(path) ? 0o755 : 0o644 });
    }
    if (existsSync(target)) renameSync(target, retired);
    renameSync(staging, target);
  } catch (error) {
    if (existsSync(retired) && !existsSync(target)) renameSync(retired, target);
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  rmSync(retired, { recursive: true, force: true });
}
