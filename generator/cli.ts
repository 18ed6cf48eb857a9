/**
 * `npm run build:plugin [-- --source DIR --out DIR --dry-run [--since VERSION] [--only FILE]]`: applies
 * the releases to the sources and writes the bundle, or with --dry-run prints what it would change as
 * a patch. Exit status: 0 built (or planned), 1 the release data or the sources cannot be released or
 * the destination is refused, 2 wrong usage.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import semver from "semver";
import { buildPlugin, MARKETPLACE_PATH, planBuild, type BuildOptions } from "./build.ts";
import { bundlePatch, formatDryRun, knownNames, onlyFiles, sourcePatch } from "./dry-run.ts";
import { sourceErrorsOf } from "./errors.ts";
import { checkDestination } from "./output.ts";
import { formatProblems } from "./problem-report.ts";
import type { Release } from "./release.ts";
import { formatReport } from "./report.ts";
import { closest } from "./suggest.ts";

const USAGE = `usage: npm run build:plugin -- [--source DIR] [--out DIR] [--dry-run [--since VERSION] [--only FILE]...]

Brings the plugin sources to the current release (through every release from their own version on)
and writes an installable bundle.

  --source DIR     sources to release (default: this repository). Also a plugin checkout
                   (.claude-plugin/plugin.json) or a built marketplace folder such as dist/.
  --out DIR        where the bundle goes (default: dist). Replaced as a whole, only if the build
                   succeeds and the folder holds nothing but an earlier build's files.
  --dry-run        write nothing; print what the build would change as a patch that \`git apply\`
                   (or \`patch -p1\`) applies in the --source folder, and what it leaves out
  --since VERSION  with --dry-run: only what the releases after VERSION change, as a patch to the
                   bundle of release VERSION
  --only FILE      with --dry-run: only this file (its path in the sources, the plugin or the
                   bundle); may be given several times
  -h, --help       show this help`;

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

/** A usage error: the message, then the usage (or where to find it); exit status 2. */
function usage(message: string, full = false): number {
  console.error(full ? `${message}\n\n${USAGE}` : `${message}\n(npm run build:plugin -- --help shows the options)`);
  return 2;
}

/** Prints the problems of the release data or the sources the vfile-reporter way; exit status 1. */
function failed(error: unknown, what: string): number {
  const problems = sourceErrorsOf(error);
  if (!problems) throw error;
  console.error(`${what}: ${problems.length} problem${problems.length === 1 ? "" : "s"} (nothing was written)\n`);
  console.error(formatProblems(problems, Boolean(process.stderr.isTTY)));
  return 1;
}

/** Plans the build and prints the dry run's patch (see dry-run.ts). Returns the exit status. */
function dryRun(options: BuildOptions, since: string | undefined, only: string[]): number {
  const plan = planBuild(options, { destination: false });
  let patch;
  if (since) {
    if (semver.gt(plan.result.from, since)) return usage(`--since ${since}: the sources are already at ${plan.result.from}; give a release from ${plan.result.from} on`);
    const base = planBuild({ ...options, releases: options.releases.filter((release) => semver.lte(release.version, since)) }, { destination: false });
    patch = bundlePatch(base, plan);
  } else {
    patch = sourcePatch(plan, options.source);
  }
  if (only.length) {
    const known = knownNames(plan, options.source);
    const unknown = only.filter((path) => !known.has(path.replace(/^\.\//, "")));
    if (unknown.length) {
      return usage(unknown.map((path) => `--only ${path}: no such file in the sources or the bundle${((guess) => (guess ? `; did you mean ${guess}?` : ""))(closest(path, known))}`).join("\n"));
    }
    patch = onlyFiles(patch, only, plan, options.source);
  }
  let refused: string | undefined;
  try {
    checkDestination(options.out, plan.protect);
  } catch (error) {
    refused = sourceErrorsOf(error)?.map((problem) => problem.reason).join("; ");
    if (refused === undefined) throw error;
  }
  process.stdout.write(formatDryRun(plan, patch, { source: options.source, out: options.out, since, refused }));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: "string" },
        out: { type: "string" },
        "dry-run": { type: "boolean" },
        since: { type: "string" },
        only: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error), true);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.since !== undefined || values.only) && !values["dry-run"]) return usage("--since and --only go with --dry-run");

  // The release list is checked when it is loaded: its problems are reported like the sources'.
  let releases: Release[];
  try {
    ({ releases } = await import("./releases/index.ts"));
  } catch (error) {
    return failed(error, "Release data is not valid");
  }
  const since = values.since;
  if (since !== undefined && !releases.some((release) => release.version === since)) {
    const versions = releases.map((release) => release.version);
    const guess = closest(since, versions);
    return usage(`--since ${since}: not a release${guess ? `; did you mean ${guess}?` : ""} (releases: ${versions.join(", ")})`);
  }
  const options: BuildOptions = { source: values.source ?? repositoryRoot, out: values.out ?? "dist", releases, templateRoot: repositoryRoot };
  try {
    if (values["dry-run"]) return dryRun(options, since, values.only ?? []);
    const result = buildPlugin(options);
    const marketplace = JSON.parse(readFileSync(`${result.out}/${MARKETPLACE_PATH}`, "utf8")) as { name: string };
    console.log(formatReport(result, marketplace.name));
    return 0;
  } catch (error) {
    if (sourceErrorsOf(error)) return failed(error, "Build failed");
    console.error(`Build failed (nothing was written): ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
