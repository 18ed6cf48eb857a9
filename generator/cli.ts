/**
 * `npm run build:plugin [-- --source DIR --out DIR]`: applies the current release to the sources and
 * writes the bundle. Exit status: 0 built, 1 the sources cannot be released, 2 wrong usage.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildPlugin, MARKETPLACE_PATH } from "./build.ts";
import { SourceError, SourceErrors } from "./errors.ts";
import { currentRelease } from "./releases/index.ts";
import { formatReport } from "./report.ts";

const USAGE = `usage: npm run build:plugin -- [--source DIR] [--out DIR]

Applies release ${currentRelease.version} to the plugin sources and writes an installable bundle.

  --source DIR  sources to release (default: this repository). Also a plugin checkout
                (.claude-plugin/plugin.json) or a built marketplace folder such as dist/.
  --out DIR     where the bundle goes (default: dist). Replaced as a whole, only if the build succeeds.
  -h, --help    show this help`;

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { source: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
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
  try {
    const result = buildPlugin({
      source: values.source ?? repositoryRoot,
      out: values.out ?? "dist",
      release: currentRelease,
      templateRoot: repositoryRoot,
    });
    const marketplace = JSON.parse(readFileSync(`${result.out}/${MARKETPLACE_PATH}`, "utf8")) as { name: string };
    console.log(formatReport(result, marketplace.name));
    return 0;
  } catch (error) {
    if (error instanceof SourceErrors || error instanceof SourceError) {
      const problems = error instanceof SourceErrors ? error.errors : [error];
      console.error(`Build failed: ${problems.length} problem${problems.length === 1 ? "" : "s"} in the sources (nothing was written)`);
      for (const problem of problems) console.error(`  ${problem.message.replace(/\n/g, "\n  ")}`);
      return 1;
    }
    console.error(`Build failed (nothing was written): ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
