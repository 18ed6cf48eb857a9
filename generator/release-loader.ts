/**
 * Loading the release list (releases/index.ts): every release checked against the one schema
 * (release.ts), its templates present, its version matching its file and its templates folder, the
 * versions strictly increasing; the current release is the last one. Each problem is a SourceError at
 * the line and column of the release file (or of the list) where the offending value is written, with
 * "did you mean" for names. The checked releases remember where each edit was asked for, so that an
 * anchor or template problem at build time can name the release data line too (originOf).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import semver from "semver";
import type { z } from "zod";
import { SourceError, SourceErrors } from "./errors.ts";
import { releaseSchema, type Release } from "./release.ts";
import { locateValue, parseReleaseSource, type ReleaseSource, type SourcePoint } from "./release-source.ts";
import { displayPath } from "./sources.ts";
import { closest } from "./suggest.ts";

/** One entry of the release list: the file the release is written in (relative to the repository) and what it exports. */
export interface ReleaseEntry {
  file: string;
  data: unknown;
}

/** The checked release list: oldest first; `current` is the newest. */
export interface LoadedReleases {
  releases: Release[];
  current: Release;
}

/** Where an edit of a release was asked for. */
interface Origin {
  release: string;
  path: string;
  file: string;
  valuePath: PropertyKey[];
}

const origins = new WeakMap<object, Origin>();
const parsed = new Map<string, ReleaseSource | null>();

/** The parsed release file at `path` (cached), or null when it cannot be read or parsed. */
function sourceOf(path: string): ReleaseSource | null {
  if (!parsed.has(path)) {
    try {
      parsed.set(path, parseReleaseSource(readFileSync(path, "utf8")));
    } catch {
      parsed.set(path, null);
    }
  }
  return parsed.get(path) ?? null;
}

/** Where the value at `valuePath` is written in the release file at `path` (undefined when unknown). */
function pointOf(path: string, valuePath: ReadonlyArray<PropertyKey>, key = false): SourcePoint | undefined {
  const source = sourceOf(path);
  return source ? locateValue(source, valuePath, { key }) : undefined;
}

/** `insertions[4].placement[1]` for a value path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((step, index) => (typeof step === "number" ? `[${step}]` : `${index ? "." : ""}${String(step)}`)).join("");
}

/**
 * Says which release asked for `edit` (a rewrite, insertion, new file or hook of a loaded release) and
 * where: e.g. "release 1.3.0, generator/releases/v1.3.0.ts:72:5 (insertions[4])"; undefined for a
 * release that was not loaded from a file (a test's own).
 */
export function originOf(edit: object): string | undefined {
  const origin = origins.get(edit);
  if (!origin) return undefined;
  const point = pointOf(origin.path, origin.valuePath);
  return `release ${origin.release}, ${origin.file}${point ? `:${point.line}:${point.column}` : ""} (${formatPath(origin.valuePath)})`;
}

/** Returns `copy` (an edit made from `original`, e.g. moved to another file) saying it was asked for where `original` was. */
export function sameOrigin<T extends object>(copy: T, original: object): T {
  const origin = origins.get(original);
  if (origin) origins.set(copy, origin);
  return copy;
}

/**
 * A problem of the release data at the key `key` of `record`, a record of a loaded release (its
 * `personOnly`): a SourceError at that key's line and column in the release file, naming the release;
 * at the release file alone when the record was not loaded from one (a test's own release).
 */
export function problemAtKey(record: object, key: string, reason: string, ruleId: string): SourceError {
  const origin = origins.get(record);
  if (!origin) return new SourceError("release data", reason, undefined, { ruleId, actual: key });
  const valuePath = [...origin.valuePath, key];
  const point = pointOf(origin.path, valuePath, true);
  return new SourceError(displayPath(origin.path), `${reason} (${formatPath(valuePath)})`, point?.line, { column: point?.column, ruleId, actual: key });
}

/** A zod issue, as the schema reports it. */
type Issue = z.core.$ZodIssue;

/** What a value is, for messages: "a number", "undefined", "the string \"x\"". */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (value instanceof RegExp) return `the pattern ${String(value)}`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** The value at `path` of `data`. */
function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((value, step) => (value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[step] : undefined), data);
}

/** A problem of one release's data: where (the value's path; `key` when the field's name is the problem) and what. */
interface DataProblem {
  path: PropertyKey[];
  message: string;
  key?: boolean;
  /** A required field that is not there. */
  missing?: boolean;
}

function kindOf(expected: string): string {
  return expected === "array" ? "a list" : expected === "object" ? "an object" : `a ${expected}`;
}

/**
 * Flattens zod's issues into problems at the deepest path that explains them. A union (a value or a
 * list of values, a string or a pattern) reports the branch that matched the value's shape; when none
 * did, or several did as well, its own message.
 */
function problemsOf(issues: readonly Issue[], data: unknown, prefix: PropertyKey[] = []): DataProblem[] {
  const problems: DataProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length) {
      const shaped = issue.errors.filter((branch) => !branch.every((inner) => inner.code === "invalid_type" && inner.path.length === 0)).sort((a, b) => a.length - b.length);
      const [best, next] = shaped;
      if (best && !(next && next.length === best.length)) {
        problems.push(...problemsOf(best, data, path));
        continue;
      }
    }
    if (issue.code === "unrecognized_keys") {
      const lines = issue.message.split("\n");
      issue.keys.forEach((key, index) => problems.push({ path: [...path, key], key: true, message: lines[index] ?? issue.message }));
      continue;
    }
    const value = valueAt(data, path);
    const field = `"${String(path.at(-1))}"`;
    if (issue.code === "invalid_type" && value === undefined) problems.push({ path, missing: true, message: `${field} is missing (expected ${kindOf(issue.expected)})` });
    else if (issue.code === "invalid_type") problems.push({ path, message: `${field} must be ${kindOf(issue.expected)}, found ${describeValue(value)}` });
    else problems.push({ path, message: issue.message });
  }
  // A missing field beside an unknown one that is its likely typo says the same thing twice.
  const typos = problems.filter((problem) => problem.key);
  return problems.filter(
    (problem) =>
      !problem.missing ||
      !typos.some((typo) => formatPath(typo.path.slice(0, -1)) === formatPath(problem.path.slice(0, -1)) && typo.message.includes(`did you mean "${String(problem.path.at(-1))}"`)),
  );
}

/** Every file below `dir`, relative to it ('/'-separated); [] when it is not a folder. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split("\\").join("/"))
    .sort();
}

/** Reports a problem of a release's data at the value `path` names. */
type Report = (entry: ReleaseEntry, path: ReadonlyArray<PropertyKey>, problem: string, ruleId: string, options?: { key?: boolean; actual?: string }) => void;

/** Checks that a release's version is the one its file and its templates folder are named for. */
function checkNames(entry: ReleaseEntry, release: Release, at: Report): void {
  const fileName = basename(entry.file);
  if (/^v\d/.test(fileName) && fileName !== releaseFileName(release.version)) {
    at(entry, ["version"], `version ${release.version} does not match the file it is written in (${fileName}, expected ${releaseFileName(release.version)})`, "release-version-file", { actual: release.version });
  }
  if (basename(release.templateDir) !== release.version) {
    const where = (entry.data as { templateDir?: unknown }).templateDir === undefined ? ["version"] : ["templateDir"];
    at(entry, where, `version ${release.version} does not match its templates folder ${release.templateDir} (expected a folder named ${release.version})`, "release-version-folder", { actual: release.templateDir });
  }
}

/**
 * Checks that every template a release names is in its templates folder, suggesting the closest file
 * when not. Reads the data as written (the schema may have found other problems in it).
 */
function checkTemplates(root: string, entry: ReleaseEntry, at: Report): void {
  const data = (entry.data ?? {}) as Record<string, unknown>;
  const templateDir = typeof data.templateDir === "string" ? data.templateDir : typeof data.version === "string" ? `templates/releases/${data.version}` : undefined;
  if (!templateDir) return;
  const folder = join(root, templateDir);
  const available = filesBelow(folder);
  const list = (field: string) => (Array.isArray(data[field]) ? (data[field] as unknown[]) : []);
  const templates: Array<[PropertyKey[], unknown]> = [
    ...list("insertions").map((insertion, index): [PropertyKey[], unknown] => [["insertions", index, "template"], (insertion as { template?: unknown })?.template]),
    ...list("newFiles").map((file, index): [PropertyKey[], unknown] => [["newFiles", index, "template"], (file as { template?: unknown })?.template]),
    ...["runtimeSections", "commandSections", "mirrorSections"].flatMap((field) => list(field).map((section, index): [PropertyKey[], unknown] => [[field, index], section])),
  ];
  for (const [path, template] of templates) {
    if (typeof template !== "string" || available.includes(template)) continue;
    const guess = closest(template, available);
    const where = available.length ? "" : existsSync(folder) ? " (the folder holds no files)" : " (the folder does not exist)";
    at(entry, path, `template ${template} is not in ${templateDir}${where}${guess ? `; did you mean ${guess}?` : ""}`, "release-template-missing", { actual: template });
  }
}

/** The file name a release of `version` is written in. */
export function releaseFileName(version: string): string {
  return `v${version}.ts`;
}

/**
 * Checks the release list `entries` (oldest first), whose files and templates folders are relative to
 * `root`; `listFile` is the list itself (for problems of its order). Returns the checked releases and
 * the current one (the newest). Throws SourceErrors with every problem found.
 */
export function loadReleases(entries: ReleaseEntry[], root: string, listFile = "generator/releases/index.ts"): LoadedReleases {
  const errors: SourceError[] = [];
  const at: Report = (entry: ReleaseEntry, path: ReadonlyArray<PropertyKey>, problem: string, ruleId: string, options: { key?: boolean; actual?: string } = {}) => {
    const absolute = join(root, entry.file);
    const point = pointOf(absolute, path, options.key);
    errors.push(new SourceError(displayPath(absolute), `${problem} (${formatPath(path) || "the release"})`, point?.line, { column: point?.column, ruleId, actual: options.actual }));
  };
  if (entries.length === 0) throw new SourceError(displayPath(join(root, listFile)), "lists no release: add one with npm run new-release -- X.Y.Z", undefined, { ruleId: "release-list" });

  const checked: Array<{ entry: ReleaseEntry; release: Release }> = [];
  for (const entry of entries) {
    const result = releaseSchema.safeParse(entry.data);
    checkTemplates(root, entry, at);
    if (!result.success) {
      for (const problem of problemsOf(result.error.issues, entry.data)) at(entry, problem.path, problem.message, "release-schema", { key: problem.key });
      continue;
    }
    const release = result.data;
    checkNames(entry, release, at);
    const owner = { release: release.version, path: join(root, entry.file), file: entry.file };
    release.rewrites.forEach((edit, index) => origins.set(edit, { ...owner, valuePath: ["rewrites", index] }));
    release.insertions.forEach((edit, index) => origins.set(edit, { ...owner, valuePath: ["insertions", index] }));
    release.newFiles.forEach((edit, index) => origins.set(edit, { ...owner, valuePath: ["newFiles", index] }));
    (release.hooks ?? []).forEach((edit, index) => origins.set(edit, { ...owner, valuePath: ["hooks", index] }));
    if (release.personOnly) origins.set(release.personOnly, { ...owner, valuePath: ["personOnly"] });
    checked.push({ entry, release });
  }

  for (let index = 1; index < checked.length; index++) {
    const previous = checked[index - 1]?.release;
    const item = checked[index];
    if (!previous || !item || semver.gt(item.release.version, previous.version)) continue;
    const { release, entry } = item;
    const problem = semver.eq(release.version, previous.version)
      ? `release ${release.version} is listed twice in ${listFile}`
      : `release ${release.version} is listed after ${previous.version} but is not newer: ${listFile} lists the releases oldest first, each newer than the one before (number the new release above ${previous.version})`;
    at(entry, ["version"], problem, "release-version-order", { actual: release.version });
  }
  if (errors.length) throw new SourceErrors(errors);
  const releases = checked.map((item) => item.release);
  const current = releases.at(-1);
  if (!current) throw new SourceErrors(errors);
  return { releases, current };
}
