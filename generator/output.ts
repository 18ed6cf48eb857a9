/**
 * Writing the bundle: every file goes into a temporary folder next to the destination, which then
 * replaces the destination in one rename; a failed build leaves the destination as it was. The bundle
 * holds a record of what the build wrote (path and sha256 of every file); an existing destination is
 * replaced only when it holds exactly what its record lists, so no folder of anyone's own is replaced.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { SourceError } from "./errors.ts";
import { displayPath } from "./sources.ts";

/** A file of the bundle: its path inside the destination ('/'-separated) and its content. */
export type BundleFiles = Map<string, string | Buffer>;

/** Path of the build record inside the destination. */
export const RECORD_PATH = ".build-record.json";

/**
 * What a build records: the version of the sources the releases were first applied to (kept when a
 * bundle is released again; verify checks every release from there on), and every file it wrote
 * (except the record) with its sha256.
 */
export interface BuildRecord {
  generator: "ml-automation-generator";
  from?: string;
  files: Record<string, string>;
}

/** What a record says of the build besides its files. */
export type RecordedBuild = Pick<BuildRecord, "from">;

function sha256(content: string | Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Returns the record of `files` (and of the build, `built`) as the text written to RECORD_PATH (sorted, no timestamps). */
export function recordOf(files: BundleFiles, built: RecordedBuild = {}): string {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const record: BuildRecord = { generator: "ml-automation-generator", ...built, files: Object.fromEntries(sorted.map(([path, content]) => [path, sha256(content)])) };
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** Reads the build record of a bundle folder; null when there is none or it is not a record. */
export function readRecord(dir: string): BuildRecord | null {
  const path = join(dir, RECORD_PATH);
  if (!existsSync(path)) return null;
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<BuildRecord>;
    return data.generator === "ml-automation-generator" && data.files && typeof data.files === "object" ? (data as BuildRecord) : null;
  } catch {
    return null;
  }
}

/** Lists every file below `dir` (relative, '/'-separated), symbolic links included as files. */
function listAll(dir: string, prefix = ""): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stats = lstatSync(path);
    return stats.isDirectory() ? listAll(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

function refuse(out: string, problem: string, ruleId: string): SourceError {
  return new SourceError(displayPath(out), problem, undefined, { ruleId, actual: out });
}

/** A failed write as a SourceError naming the path the system reported (or `out`), inside `out` rather than the staging folder. */
function writeError(out: string, error: unknown, staging?: string): SourceError {
  const failure = error as NodeJS.ErrnoException;
  const reported = typeof failure?.path === "string" ? failure.path : out;
  const path = staging && reported.startsWith(staging) ? join(out, relative(staging, reported)) : reported;
  return new SourceError(displayPath(path), `cannot be written (${failure?.code ?? "error"}); nothing was replaced in ${out}`, undefined, { ruleId: "out-write", actual: failure?.code });
}

/** True when `inner` is `outer` or inside it (both resolved through symbolic links where they exist). */
function within(inner: string, outer: string): boolean {
  const real = (path: string) => {
    let head = resolve(path);
    const tail: string[] = [];
    while (!existsSync(head) && dirname(head) !== head) {
      tail.unshift(basename(head));
      head = dirname(head);
    }
    return join(existsSync(head) ? realpathSync(head) : head, ...tail);
  };
  const rel = relative(real(outer), real(inner));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The paths a build reads: `out` may be neither inside nor over `reads`, and not over `keep` (e.g. the generator's repository). */
export interface Protected {
  reads: string[];
  keep: string[];
}

/**
 * Returns a SourceError for each bundle path that is a file and also the folder of another file (a
 * tree with a folder where the build writes a file, e.g. hooks/hooks.json/), naming that source
 * folder; `origins` gives the source file of a bundle path.
 */
export function pathConflicts(files: BundleFiles, origins: ReadonlyMap<string, { file: string } | null>): SourceError[] {
  const paths = [...files.keys()].sort();
  const problems: SourceError[] = [];
  for (const path of paths) {
    const nested = paths.find((other) => other.startsWith(`${path}/`));
    if (!nested) continue;
    const origin = origins.get(nested)?.file;
    const folder = origin && origin.endsWith(nested.slice(path.length)) ? origin.slice(0, origin.length - (nested.length - path.length)) : nested.slice(0, path.length);
    problems.push(new SourceError(folder, `is a folder, but the bundle needs ${path} to be a file${origins.get(path) ? "" : " (the build writes it)"}; move the files out of this folder`, undefined, {
      ruleId: "source-path-conflict",
      actual: path,
    }));
  }
  return problems;
}

/**
 * Checks that the bundle may be written to `out`: not inside or over any path the build reads, not
 * over a folder to keep, and either absent, empty, or holding exactly the files its build record lists
 * with the content recorded. Throws SourceError otherwise (`out-inside-sources`, `out-not-a-build`).
 */
export function checkDestination(out: string, paths: Protected): void {
  for (const read of paths.reads) {
    if (within(out, read)) throw refuse(out, `is inside the sources (${displayPath(read)}); the next build would read the bundle as sources. Choose a folder outside them`, "out-inside-sources");
  }
  for (const read of [...paths.reads, ...paths.keep]) {
    if (within(read, out)) throw refuse(out, `holds the sources (${displayPath(read)}); replacing it would delete them`, "out-inside-sources");
  }
  const target = resolve(out);
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw refuse(out, "is a file, not a folder for the bundle", "out-not-a-build");
  const present = listAll(target);
  if (present.length === 0) return;
  const record = readRecord(target);
  if (!record) throw refuse(out, `is not empty and holds no ${RECORD_PATH}, so it is not an earlier build; nothing was replaced`, "out-not-a-build");
  const unknown = present.filter((path) => path !== RECORD_PATH && !(path in record.files));
  const changed = present.filter((path) => path in record.files && (lstatSync(join(target, path)).isSymbolicLink() || sha256(readFileSync(join(target, path))) !== record.files[path]));
  if (unknown.length || changed.length) {
    const list = (paths: string[]) => paths.slice(0, 5).join(", ") + (paths.length > 5 ? `, and ${paths.length - 5} more` : "");
    const parts = [unknown.length ? `${unknown.length} file(s) the earlier build did not write (${list(unknown)})` : "", changed.length ? `${changed.length} file(s) changed since (${list(changed)})` : ""];
    throw refuse(out, `holds ${parts.filter(Boolean).join(" and ")}; it is not only an earlier build, so it was not replaced`, "out-not-a-build");
  }
}

/** True when a process with this id is running (or exists under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Clears what a build killed while writing left beside `target` (its staging folder
 * `.NAME.building-PID-*`, and the earlier bundle it had moved aside, put back when `target` is
 * missing). Folders of a build still running, and folders holding files but no build record, are
 * left alone.
 */
export function recoverKilledBuilds(target: string): void {
  const parent = dirname(target);
  const prefix = `.${basename(target)}.building-`;
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names.sort()) {
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!name.startsWith(prefix) || !Number.isInteger(pid) || pid <= 0 || alive(pid)) continue;
    const path = join(parent, name);
    // Only what a build wrote: its record comes first, so a folder without one is empty or someone's own.
    try {
      if (!lstatSync(path).isDirectory() || (readdirSync(path).length > 0 && !readRecord(path))) continue;
      if (name.endsWith(".previous") && !existsSync(target)) renameSync(path, target);
      else rmSync(path, { recursive: true, force: true });
    } catch (error) {
      throw writeError(path, error);
    }
  }
}

/**
 * Writes `files` and their record into `out`, replacing what was there, atomically, after
 * recoverKilledBuilds and checkDestination; the paths in `executables` are made executable (hook scripts keep working);
 * `built` (the version the releases started from) goes into the record.
 * Throws SourceError when `out` is refused, Error when a write fails; `out` is then unchanged.
 */
export function writeBundle(out: string, files: BundleFiles, paths: Protected, executables: ReadonlySet<string> = new Set(), built: RecordedBuild = {}): void {
  const target = resolve(out);
  recoverKilledBuilds(target);
  checkDestination(out, paths);
  let staging: string;
  try {
    mkdirSync(dirname(target), { recursive: true });
    staging = mkdtempSync(join(dirname(target), `.${basename(target)}.building-${process.pid}-`));
    // mkdtemp makes the folder private (0700); the bundle is a folder like any other the user makes.
    chmodSync(staging, 0o777 & ~process.umask());
  } catch (error) {
    throw writeError(out, error);
  }
  const retired = `${staging}.previous`;
  try {
    for (const [path, content] of [...files, [RECORD_PATH, recordOf(files, built)] as const].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const file = join(staging, ...path.split("/"));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      if (executables.has(path)) chmodSync(file, 0o755);
    }
    if (existsSync(target)) renameSync(target, retired);
    renameSync(staging, target);
  } catch (error) {
    if (existsSync(retired) && !existsSync(target)) renameSync(retired, target);
    rmSync(staging, { recursive: true, force: true });
    throw writeError(out, error, staging);
  }
  rmSync(retired, { recursive: true, force: true });
}
