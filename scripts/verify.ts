/**
 * `npm run verify [-- --bundle DIR]`: structural checks of a built bundle (default dist/), replacing
 * the release plan's grep checks. Prints the failures grouped by file; exit status 1 if any, 2 on
 * wrong usage.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import semver from "semver";
import { SourceError, SourceErrors } from "../generator/errors.ts";
import { formatProblems } from "../generator/problem-report.ts";
import type { Release } from "../generator/release.ts";
import { releaseRenderer } from "../generator/render.ts";
import { releaseCommandSections } from "../generator/runtime-build.ts";
import type { TextFile } from "../generator/sources.ts";
import { loadBundle, readBundleFile } from "./verify/bundle.ts";
import { checkCommandMentions } from "./verify/command-checks.ts";
import { checkCursorManifest } from "./verify/cursor-checks.ts";
import { checkCursorFiles } from "./verify/cursor-file-checks.ts";
import { checkFrontmatter } from "./verify/frontmatter-checks.ts";
import { checkCommands, checkLibrary, LIBRARY_BUDGET_BYTES } from "./verify/library-checks.ts";
import { checkManifests } from "./verify/manifest-checks.ts";
import { checkPaths } from "./verify/path-checks.ts";
import { checkReadme } from "./verify/readme-checks.ts";
import { checkReleases, checkRuntimeApi } from "./verify/release-checks.ts";
import { checkRuntime, checkRuntimeReferences } from "./verify/runtime-checks.ts";
import { checkStages } from "./verify/stage-checks.ts";

/** A named check and the problems it found. */
export interface CheckResult {
  name: string;
  problems: SourceError[];
}

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The releases a bundle holds: every release from the version its build started from (its record;
 * without one, the first release) up to the current one.
 */
export function releasesOf(from: string | undefined, releases: Release[]): Release[] {
  return releases.filter((release) => !from || !semver.valid(from) || semver.gte(release.version, from));
}

/** The repository's release list, or why it cannot be loaded (a problem of its data: reported, not thrown at import). */
const repositoryReleases: Release[] | unknown = await import("../generator/releases/index.ts").then(
  (module) => module.releases,
  (error: unknown) => error,
);

/**
 * Runs every check on the bundle in `dir` against `releases` (the release list, oldest first; by
 * default the repository's). Throws SourceError when `dir` is not a bundle at all, SourceErrors when
 * the release list is not valid.
 */
export function verifyBundle(dir: string, releases?: Release[]): CheckResult[] {
  if (!releases && !Array.isArray(repositoryReleases)) throw repositoryReleases;
  const list = releases ?? (repositoryReleases as Release[]);
  const current = list.at(-1);
  if (!current) throw new Error("verify needs at least one release");
  const bundle = loadBundle(dir);
  const chain = releasesOf(bundle.record?.from, list);
  const renderers = new Map(chain.map((release) => [release.version, releaseRenderer(repositoryRoot, release)]));
  const render = (release: Release, template: string): TextFile => (renderers.get(release.version) ?? releaseRenderer(repositoryRoot, release))(template);
  const runtime = checkRuntime(bundle.runtime, []);
  const versions = chain.map((release) => release.version);
  return [
    { name: `releases ${versions.join(", ")} in place (sections, rewrites, files, hooks)`, problems: checkReleases(bundle.documents, chain, render, (path) => bundle.files.has(path), (path) => readBundleFile(bundle, path)) },
    { name: "stages ordered and every Stage reference resolves", problems: checkStages(bundle.documents) },
    { name: "manifests agree on name and version", problems: checkManifests(bundle, current.version) },
    { name: "every path a manifest names and every recorded file is in the bundle", problems: checkPaths(bundle) },
    { name: "frontmatter keys known to Claude Code, skill names = folders", problems: checkFrontmatter(bundle.documents) },
    { name: "workflows named as people type them (/registry; /plugin:name where Claude Code has the name), none listed twice", problems: checkCommandMentions(bundle.documents, String(bundle.claude.data.name)) },
    { name: "Cursor manifest rules", problems: bundle.cursor ? checkCursorManifest(bundle.cursor, bundle.pluginDir) : [] },
    { name: "what Cursor reads holds no Claude-only construct, hooks in Cursor's format", problems: bundle.cursor ? checkCursorFiles(bundle.cursor, bundle.pluginDir) : [] },
    { name: "ml_utils.py compiles and defines every release's functions", problems: [...runtime.problems, ...(runtime.inventory && bundle.runtime ? checkRuntimeApi(bundle.runtime.file, runtime.inventory, chain) : [])] },
    { name: "the README's table of commands and its counts match the bundle", problems: checkReadme(bundle.documents, bundle.files) },
    { name: "every ml_utils name used in code blocks exists", problems: runtime.inventory ? checkRuntimeReferences(bundle.documents, runtime.inventory) : [] },
    {
      name: `the library a project holds: at most ${LIBRARY_BUDGET_BYTES.toLocaleString("en-US")} bytes, stamped, no command in it`,
      problems: checkLibrary(bundle.runtime, bundle.mirror, current.version, releaseCommandSections(current, repositoryRoot).map((section) => section.title).filter((title) => title !== "preamble")),
    },
    { name: "ml_automation.py, the plugin's commands: compiles, loads its own library, API page within budget", problems: checkCommands(bundle.commands, bundle.pluginDir) },
  ];
}

function main(argv: string[]): number {
  let bundle: string;
  try {
    const { values } = parseArgs({ args: argv, options: { bundle: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
      console.log("usage: npm run verify -- [--bundle DIR]   (checks a built bundle; default: dist)");
      return 0;
    }
    bundle = values.bundle ?? "dist";
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nusage: npm run verify -- [--bundle DIR]`);
    return 2;
  }
  let results: CheckResult[];
  try {
    results = verifyBundle(bundle);
  } catch (error) {
    if (error instanceof SourceErrors && !Array.isArray(repositoryReleases)) {
      console.error(`verify: the release data is not valid (${error.errors.length} problem${error.errors.length === 1 ? "" : "s"})\n`);
      console.error(formatProblems(error.errors, Boolean(process.stderr.isTTY)));
      return 1;
    }
    if (error instanceof SourceError || error instanceof SourceErrors) {
      console.error(`verify: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const failures = results.flatMap((result) => result.problems.map((problem) => ({ check: result.name, problem })));
  for (const result of results) console.log(`${result.problems.length ? "FAIL" : "ok  "}  ${result.name}`);
  if (failures.length === 0) {
    console.log(`verify: ${bundle} passed ${results.length} checks`);
    return 0;
  }
  const byFile = new Map<string, string[]>();
  for (const { check, problem } of failures) {
    const lines = byFile.get(problem.file) ?? [];
    lines.push(`${problem.line ? `line ${problem.line}: ` : ""}${problem.message.slice(problem.message.indexOf(": ") + 2)}  [${check}]`);
    byFile.set(problem.file, lines);
  }
  console.error(`\nverify: ${failures.length} problem${failures.length === 1 ? "" : "s"} in ${bundle}`);
  for (const [file, lines] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    console.error(`${file}`);
    for (const line of lines) console.error(`  ${line.replace(/\n/g, "\n    ")}`);
  }
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
