/**
 * `npm run new-release -- X.Y.Z`: scaffolds the next release. Writes generator/releases/vX.Y.Z.ts (the
 * release data, with a commented example of each placement kind; as written it changes nothing but
 * the version), templates/releases/X.Y.Z/ (example fragments for those placements), and registers the
 * release in generator/releases/index.ts, where it becomes the current release. Refuses a version that
 * is not newer than the current release, and never writes over a file: on any problem nothing is left
 * written. Exit status: 0 written, 1 refused, 2 wrong usage.
 */
import { parse } from "@babel/parser";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import semver from "semver";
import { SourceError, sourceErrorsOf } from "./errors.ts";
import { formatProblems } from "./problem-report.ts";
import { releaseFileName } from "./release-loader.ts";
import { renderTemplate } from "./render.ts";

const USAGE = `usage: npm run new-release -- X.Y.Z

Writes generator/releases/vX.Y.Z.ts (the release data, with an example of each placement kind),
templates/releases/X.Y.Z/ (example fragments) and registers the release in generator/releases/index.ts,
where it becomes the current release. X.Y.Z must be newer than the current release.`;

/** What the scaffold writes, relative to the repository. */
export interface Scaffold {
  /** The release data file, e.g. generator/releases/v1.3.1.ts. */
  dataFile: string;
  /** The release's templates folder, e.g. templates/releases/1.3.1. */
  templateDir: string;
  /** The release list, with the release added. */
  index: string;
}

/** The identifier the release list imports a release as: v1_3_1. */
function importName(version: string): string {
  return `v${version.replace(/[^0-9A-Za-z]/g, "_")}`;
}

/**
 * Returns the release list `text` (generator/releases/index.ts) with `version` imported after the
 * last release and added at the end of `releaseEntries`. Throws SourceError when the list is not in
 * that shape.
 */
export function registerRelease(file: string, text: string, version: string): string {
  const ast = parse(text, { sourceType: "module", plugins: ["typescript"] });
  const imports = ast.program.body.filter((node) => node.type === "ImportDeclaration" && /^\.\/v[^/]+\.ts$/.test(node.source.value));
  const list = ast.program.body
    .flatMap((node) => (node.type === "ExportNamedDeclaration" && node.declaration?.type === "VariableDeclaration" ? node.declaration.declarations : []))
    .find((declarator) => declarator.id.type === "Identifier" && declarator.id.name === "releaseEntries");
  const array = list?.init?.type === "ArrayExpression" ? list.init : undefined;
  const lastImport = imports.at(-1);
  if (!array || lastImport?.end == null || array.end == null) {
    throw new SourceError(file, "is not the release list npm run new-release knows (imports of ./vX.Y.Z.ts and an exported array releaseEntries)", undefined, { ruleId: "release-list" });
  }
  const name = importName(version);
  const closing = array.end - 1;
  const lineStart = text.lastIndexOf("\n", closing) + 1;
  const lastElement = array.elements.at(-1);
  const needsComma = lastElement?.end != null && !/^\s*,/.test(text.slice(lastElement.end, closing));
  const entry = `  { file: "generator/releases/${releaseFileName(version)}", data: ${name} },\n`;
  let result = text.slice(0, lineStart) + entry + text.slice(lineStart);
  if (needsComma && lastElement?.end != null) result = `${result.slice(0, lastElement.end)},${result.slice(lastElement.end)}`;
  return `${result.slice(0, lastImport.end)}\nimport ${name} from "./${releaseFileName(version)}";${result.slice(lastImport.end)}`;
}

/**
 * Writes the scaffold of release `version` into the repository at `root`, after `current` (the
 * current release's version). Throws SourceError, writing nothing, when the version is not newer or a
 * file or folder it would write exists.
 */
export function scaffoldRelease(root: string, version: string, current: string): Scaffold {
  const scaffold: Scaffold = {
    dataFile: `generator/releases/${releaseFileName(version)}`,
    templateDir: `templates/releases/${version}`,
    index: "generator/releases/index.ts",
  };
  if (!semver.gt(version, current)) {
    throw new SourceError(scaffold.index, `release ${version} would not be newer than the current release ${current}: number it above ${current} (e.g. ${semver.inc(current, "patch")})`, undefined, { ruleId: "release-version-order", actual: version });
  }
  for (const path of [scaffold.dataFile, scaffold.templateDir]) {
    if (existsSync(join(root, path))) throw new SourceError(path, `already exists; the scaffold writes over nothing`, undefined, { ruleId: "release-exists", actual: path });
  }
  const indexPath = join(root, scaffold.index);
  const index = registerRelease(scaffold.index, readFileSync(indexPath, "utf8"), version);
  const skeleton = join(root, "templates", "new-release");
  const data = renderTemplate("templates/new-release/release.ts.hbs", readFileSync(join(skeleton, "release.ts.hbs"), "utf8"), {
    version,
    previous: current,
    templateDir: scaffold.templateDir,
  });
  const written: string[] = [];
  try {
    mkdirSync(join(root, scaffold.templateDir), { recursive: true });
    written.push(scaffold.templateDir);
    cpSync(join(skeleton, "fragments"), join(root, scaffold.templateDir, "fragments"), { recursive: true, errorOnExist: true, force: false });
    writeFileSync(join(root, scaffold.dataFile), data, { flag: "wx" });
    written.push(scaffold.dataFile);
    writeFileSync(indexPath, index);
  } catch (error) {
    for (const path of written) rmSync(join(root, path), { recursive: true, force: true });
    throw error;
  }
  return scaffold;
}

async function main(argv: string[]): Promise<number> {
  let version: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    version = positionals.length === 1 ? (positionals[0] ?? "") : undefined;
    if (version === undefined) throw new Error("give the new release's version, e.g. 1.3.1");
    if (semver.valid(version) !== version) throw new Error(`${version} is not a semantic version such as 1.3.1`);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const root = fileURLToPath(new URL("..", import.meta.url));
  try {
    const { currentRelease } = await import("./releases/index.ts");
    const scaffold = scaffoldRelease(root, version, currentRelease.version);
    console.log(
      [
        `Release ${version} scaffolded, after ${currentRelease.version}:`,
        `  ${scaffold.dataFile}  the release data: what it changes (examples of each placement kind, commented)`,
        `  ${scaffold.templateDir}/  its templates (example fragments: keep what you use)`,
        `  ${scaffold.index}  registers it: it is now the current release`,
        "",
        "Next: fill the data and the templates, then",
        `  npm run build:plugin -- --dry-run --since ${currentRelease.version}   # what ${version} changes`,
        "  npm run build:plugin && npm run verify",
        'and go through the checklist in README.md ("Writing a release").',
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    const problems = sourceErrorsOf(error);
    if (!problems) throw error;
    console.error(`new-release: ${problems.length} problem${problems.length === 1 ? "" : "s"} (nothing was written)\n`);
    console.error(formatProblems(problems, Boolean(process.stderr.isTTY)));
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main(process.argv.slice(2));
