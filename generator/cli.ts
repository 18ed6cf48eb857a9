/**
 * `npm run build:plugin [-- --source DIR --out DIR --dry-run]`: applies the releases to the sources and
 * writes the bundle, or with --dry-run prints what it would change. Exit status: 0 built (or planned),
 * 1 the sources cannot be released or the destination is refused, 2 wrong usage.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildPlugin, MARKETPLACE_PATH, planBuild } from "./build.ts";
import { planDiff } from "./dry-run.ts";
import { sourceErrorsOf } from "./errors.ts";
import { formatProblems } from "./problem-report.ts";
import { currentRelease, releases } from "./releases/index.ts";
import { formatReport } from "./report.ts";

const USAGE = `usage: npm run build:plugin -- [--source DIR] [--out DIR] [--dry-run]

Brings the plugin sources to release ${currentRelease.version} (through every release from their own
version on) and writes an installable bundle.

  --source DIR  sources to release (default: this repository). Also a plugin checkout
                (.claude-plugin/plugin.json) or a built marketplace folder such as dist/.
  --out DIR     where the bundle goes (default: dist). Replaced as a whole, only if the build succeeds
                and the folder holds nothing but an earlier build's files.
  --dry-run     print a unified diff of what the build would change, per file; write nothing
  -h, --help    show this help`;

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { source: { type: "string" }, out: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const options = { source: values.source ?? repositoryRoot, out: values.out ?? "dist", releases, templateRoot: repositoryRoot };
  try {
    if (values["dry-run"]) {
      const plan = planBuild(options);
      process.stdout.write(planDiff(plan));
      console.log(`Dry run: ${plan.result.files.length} files planned for ${options.out}/, nothing written.`);
      return 0;
    }
    const result = buildPlugin(options);
    const marketplace = JSON.parse(readFileSync(`${result.out}/${MARKETPLACE_PATH}`, "utf8")) as { name: string };
    console.log(formatReport(result, marketplace.name));
    return 0;
  } catch (error) {
    const problems = sourceErrorsOf(error);
    if (problems) {
      console.error(`Build failed: ${problems.length} problem${problems.length === 1 ? "" : "s"} (nothing was written)\n`);
      console.error(formatProblems(problems, Boolean(process.stderr.isTTY)));
      return 1;
    }
    console.error(`Build failed (nothing was written): ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
