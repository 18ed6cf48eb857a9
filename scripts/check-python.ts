/**
 * `npm test` step: ruff and mypy (pinned in requirements-dev.txt, run from .venv) over the runtime and the hook scripts.
 * - ruff: every Python file of the repository (runtime sections, scripts, tests), with pyproject.toml;
 * - ruff and mypy: the compiled ml_utils.py, ml_utils_mlflow.py and ml_automation.py (the library, the MLflow mirror's
 *   client side, the plugin's commands), each finding reported at its section file and line;
 * - mypy: the sections that stand alone (they import everything they use and call no other section's functions), and the hook scripts;
 * - ruff F821 over the other sections: each name they leave undefined must be one another section defines (a function,
 *   class or constant), never a module, so that no section relies on the imports of another.
 * Exits 1 when any finding remains, naming it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { currentRelease } from "../generator/releases/index.ts";
import { sectionAtLine, type RuntimeSection } from "../generator/runtime.ts";
import { compileModules, runtimeParts } from "../generator/runtime-build.ts";
import { loadSources } from "../generator/sources.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => join(root, ".venv", process.platform === "win32" ? `Scripts/${name}.exe` : `bin/${name}`);
/**
 * Sections that must pass mypy on their own: base sections from templates/ml_utils/, release sections from the
 * release's ml_utils/. The others call helper functions of other sections (4: detect_task_type; 6, 7, 8: the
 * report helpers; 9 and 11: each other's artifact checks and registry reads), so the compiled file's mypy run
 * checks them.
 */
const STANDALONE_BASE = ["00-preamble.py", "01-data-loading.py", "02-column-types.py", "03-preprocessing.py", "05-evaluation.py"];
const STANDALONE_RELEASE: string[] = [];
const STANDALONE = [
  ...STANDALONE_BASE.map((name) => join("templates", "ml_utils", name)),
  ...STANDALONE_RELEASE.map((name) => join(currentRelease.templateDir, "ml_utils", name)),
];
/** The plugin's hook scripts: each runs on its own with the standard library (or the runtime it imports). */
const HOOK_SCRIPTS = [
  "hooks/report_check.py",
  ...["registry_guard.py", "plugin_options.py"].map((name) => join(currentRelease.templateDir, "files", "hooks", name)),
  "templates/platforms/cursor/session_start.py",
];
/** In the compiled file, sections repeat their imports below the first section: that is by design. */
const COMPILED_IGNORES = "E402,F811,I001";

function run(tool: string, args: string[]): { status: number; output: string } {
  const result = spawnSync(bin(tool), args, { cwd: root, encoding: "utf8" });
  if (result.error) throw new Error(`cannot run ${tool} from .venv (run node scripts/python-env.mjs first): ${result.error.message}`);
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}`.trim() };
}

const compiled = compileModules(runtimeParts(loadSources(root), currentRelease, root), currentRelease.version);
const scratch = mkdtempSync(join(tmpdir(), "mla-check-"));
/** The compiled modules in the scratch folder, and the sections each was compiled from. */
const modules: Array<{ path: string; sections: RuntimeSection[] }> = [{ path: join(scratch, "ml_utils.py"), sections: compiled.library.sections }];
writeFileSync(join(scratch, "ml_utils.py"), compiled.library.text);
for (const [name, module] of [["ml_utils_mlflow.py", compiled.mirror], ["ml_automation.py", compiled.commands]] as const) {
  if (!module) continue;
  modules.push({ path: join(scratch, name), sections: module.sections });
  writeFileSync(join(scratch, name), module.text);
}
const sections = modules.flatMap((module) => module.sections);
const compiledPaths = modules.map((module) => module.path);

/** Rewrites `<compiled>:LINE:` in a tool's output as `<section file>:LINE:` (and the compiled line). */
function mapLines(output: string): string {
  return output
    .split("\n")
    .map((line) => {
      const match = /^(.*?\.py):(\d+):(?:(\d+):)?(.*)$/.exec(line);
      const module = match && modules.find((candidate) => candidate.path === match[1]);
      if (!match || !module) return line;
      const at = sectionAtLine(module.sections, Number(match[2]));
      return at ? `${at.section.file}:${at.line}:${match[3] ? `${match[3]}:` : ""}${match[4]} (compiled line ${match[2]})` : line;
    })
    .join("\n");
}

/** Top-level names a section defines: functions, classes and assigned names (`A, B = 1, 2` too). */
function definedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^(?:(?:async\s+)?def|class)\s+(\w+)|^(\w+(?:\s*,\s*\w+)*)\s*(?::[^=\n]*)?=(?!=)/gm)) {
    for (const name of (match[1] ?? match[2] ?? "").split(",")) names.add(name.trim());
  }
  return names;
}

/**
 * Names the sections outside STANDALONE use without defining or importing them (ruff F821, without the per-file
 * ignores) that no other section defines: an import a section forgot, found even though an earlier section's import
 * makes the compiled file work. Returns "file:line:column: message" lines.
 */
function undefinedAcrossSections(): string[] {
  const standalone = new Set(STANDALONE.map((path) => join(root, path)));
  const others = sections
    .filter((section) => section.key !== "LIBRARY NAMES")
    .map((section) => ({ section, path: isAbsolute(section.file) ? section.file : join(root, section.file) }))
    .filter(({ path }) => !standalone.has(path));
  const { output } = run("ruff", ["check", "--isolated", "--select", "F821", "--target-version", "py39", "--output-format", "json", ...others.map(({ path }) => path)]);
  const findings = JSON.parse(output) as Array<{ filename: string; message: string; location: { row: number; column: number } }>;
  return findings.flatMap((finding) => {
    const name = /`([^`]+)`/.exec(finding.message)?.[1] ?? "";
    const own = others.find(({ path }) => path === finding.filename)?.section;
    const definedElsewhere = sections.some((section) => section !== own && definedNames(section.text).has(name));
    const where = own ? own.file : finding.filename;
    return definedElsewhere ? [] : [`${where}:${finding.location.row}:${finding.location.column}: ${finding.message}, which no other section defines (import it in this section)`];
  });
}

let failed = 0;
try {
  const checks: Array<[string, string, string[]]> = [
    ["ruff", "ruff: repository Python files", ["check", "--output-format", "concise", "--config", "pyproject.toml", "hooks", "templates", "scripts", "test/python"]],
    ["ruff", "ruff: compiled ml_utils.py, ml_utils_mlflow.py and ml_automation.py", ["check", "--output-format", "concise", "--config", "pyproject.toml", "--extend-ignore", COMPILED_IGNORES, ...compiledPaths]],
    ["mypy", "mypy: compiled ml_utils.py, ml_utils_mlflow.py and ml_automation.py", ["--config-file", "pyproject.toml", "--no-error-summary", ...compiledPaths]],
    ["mypy", "mypy: the hook scripts", ["--config-file", "pyproject.toml", "--no-error-summary", ...HOOK_SCRIPTS]],
    ...STANDALONE.map((path): [string, string, string[]] => ["mypy", `mypy: ${path} on its own`, ["--config-file", "pyproject.toml", "--no-error-summary", path]]),
  ];
  for (const [tool, title, args] of checks) {
    const { status, output } = run(tool, args);
    if (status === 0) {
      console.log(`ok    ${title}`);
      continue;
    }
    failed++;
    console.log(`FAIL  ${title}\n${mapLines(output).replace(/^/gm, "      ")}`);
  }
  const undefinedNames = undefinedAcrossSections();
  const title = "ruff: the other sections use only names other sections define";
  if (undefinedNames.length) {
    failed++;
    console.log(`FAIL  ${title}\n${undefinedNames.map((line) => `      ${line}`).join("\n")}`);
  } else console.log(`ok    ${title}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
