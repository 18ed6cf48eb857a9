/**
 * The runtime step of the build. Two Python modules are compiled from sections:
 * - templates/ml_utils.py, the library a project holds a copy of: the source's sections and the
 *   release's `runtimeSections`, stamped with the release and a hash of its text (RUNTIME_STAMP);
 * - templates/ml_automation.py, the plugin's commands (the release's `commandSections`), which stays in
 *   the plugin: its preamble loads the plugin's library by path, and a LIBRARY NAMES section the build
 *   writes binds the library names its code uses.
 * Both are then run with Python (compiled, imported, `--help` of each command). Every failure is a
 * SourceError naming the section file and line it comes from.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError, SourceErrors } from "./errors.ts";
import { pythonNames, runPythonModules, type PythonRun } from "./python.ts";
import type { Release } from "./release.ts";
import { fillGeneratedBlocks } from "./runtime-constants.ts";
import { compileRuntime, mergeSections, readSectionTemplate, sectionAtLine, splitRuntime, type RuntimeSection } from "./runtime.ts";
import { displayPath, type RuntimeSource, type SourceTree } from "./sources.ts";

/** A compiled module: its path in the plugin, its text, its sections' keys in file order, and how many functions it defines. */
export interface CompiledModule {
  path: string;
  text: string;
  sections: string[];
  functions: number;
}

/** The compiled runtime: the library, and the plugin's command module when the releases have command sections. */
export interface CompiledRuntime {
  library: CompiledModule;
  commands: CompiledModule | null;
}

/** The sections of both modules, before compiling. */
export interface RuntimeParts {
  library: RuntimeSection[];
  commands: RuntimeSection[];
}

/** Where the library and the command module go in the plugin. */
export const LIBRARY_PATH = "templates/ml_utils.py";
export const COMMANDS_PATH = "templates/ml_automation.py";

/** The key (banner title) of the command module's section the build writes. */
const LIBRARY_NAMES = "LIBRARY NAMES";
/** The line of the library's section that the build stamps, as its source holds it. */
const UNBUILT_STAMP = 'RUNTIME_STAMP = "unbuilt"';
/** Names any module has without binding them. */
const MODULE_NAMES = new Set(["__file__", "__name__"]);

/** Reads one `.py` section file of the sources or of a release, with its generated blocks filled in. */
export function readSectionFile(file: string, text: string): RuntimeSection {
  return readSectionTemplate(file, fillGeneratedBlocks(file, text).text);
}

function readSections(release: Release, templateRoot: string, names: string[]): RuntimeSection[] {
  return names.map((name) => {
    const path = join(templateRoot, release.templateDir, name);
    const file = displayPath(path);
    if (!existsSync(path)) throw new SourceError(file, `runtime section of release ${release.version} is missing`, undefined, { ruleId: "runtime-section-missing", actual: name });
    return readSectionFile(file, readFileSync(path, "utf8"));
  });
}

/** The release's library sections, read from `templateRoot`/`release.templateDir`. */
export function releaseSections(release: Release, templateRoot: string): RuntimeSection[] {
  return readSections(release, templateRoot, release.runtimeSections);
}

/** The release's command-module sections, read from `templateRoot`/`release.templateDir`. */
export function releaseCommandSections(release: Release, templateRoot: string): RuntimeSection[] {
  return readSections(release, templateRoot, release.commandSections ?? []);
}

function sectionsOf(runtime: RuntimeSource): RuntimeSection[] {
  if (!runtime) return [];
  if (runtime.kind === "file") return splitRuntime(runtime.file.file, runtime.file.text);
  return runtime.files.map((file) => readSectionFile(file.file, file.text));
}

/** The source tree's library sections: split from one ml_utils.py, or read from section files. */
export function sourceSections(sources: SourceTree): RuntimeSection[] {
  return sectionsOf(sources.runtime);
}

/**
 * The sections of both modules: the source's library sections with the release's (a source section
 * whose banner the release puts into the command module, as in a plugin built before the split, moves
 * there), and the source's command sections with the release's. Throws SourceError when the release adds
 * library sections to sources without any.
 */
export function runtimeParts(sources: SourceTree, release: Release, templateRoot: string): RuntimeParts {
  const base = sourceSections(sources);
  const added = releaseSections(release, templateRoot);
  const commandAdded = releaseCommandSections(release, templateRoot);
  if (base.length === 0 && added.length > 0) {
    throw new SourceError(
      displayPath(sources.root),
      `release ${release.version} adds runtime sections (${added.map((section) => section.file).join(", ")}) but the sources have no ml_utils.py to add them to ` +
        "(expected templates/ml_utils/*.py section files, or templates/ml_utils.py in a plugin checkout)",
      undefined,
      { ruleId: "runtime-base-missing", actual: release.version },
    );
  }
  const moves = new Set(commandAdded.map((section) => section.key).filter((key) => key !== "preamble" && !/^\d+$/.test(key)));
  return {
    library: mergeSections(base.filter((section) => !moves.has(section.key)), added),
    // The LIBRARY NAMES section of a built command module is the build's own: written again, never kept.
    commands: mergeSections([...sectionsOf(sources.commands).filter((section) => section.key !== LIBRARY_NAMES), ...base.filter((section) => moves.has(section.key))], commandAdded),
  };
}

/** `text` with its RUNTIME_STAMP line set to the release and the first 16 hex digits of the sha256 of the unstamped text. */
export function stampLibrary(text: string, version: string): string {
  if (!text.includes(UNBUILT_STAMP)) return text;
  const hash = createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
  return text.replace(UNBUILT_STAMP, `RUNTIME_STAMP = "${version}+${hash}"`);
}

/** The section of `sections` (compiled into one module) holding `line`, as a SourceError there. */
function errorAt(sections: RuntimeSection[], fallback: string, line: number | undefined, reason: string, ruleId: string, actual?: string): SourceError {
  const where = line ? sectionAtLine(sections, line) : undefined;
  return where ? new SourceError(where.section.file, reason, where.line, { ruleId, actual }) : new SourceError(fallback, reason, line, { ruleId, actual });
}

/** The generated section of the command module binding the library names `names`. */
function libraryNamesSection(names: string[]): RuntimeSection {
  const text = [
    "# =============================================================================",
    `# ${LIBRARY_NAMES}`,
    "# =============================================================================",
    "",
    "# Written by the build: the names of the plugin's ml_utils.py (_LIBRARY) that the sections below use.",
    "",
    "if TYPE_CHECKING:",
    ...(names.length ? ["    from ml_utils import (", ...names.map((name) => `        ${name},`), "    )"] : ["    pass"]),
    "else:",
    ...(names.length ? names.map((name) => `    ${name} = _LIBRARY.${name}`) : ["    pass"]),
    "",
  ].join("\n");
  return { key: LIBRARY_NAMES, title: LIBRARY_NAMES, text, file: `${COMMANDS_PATH} (${LIBRARY_NAMES}, written by the build)` };
}

/**
 * Compiles both modules from `parts` (the library stamped with `version`) without running them.
 * Checks by Python's own symbol tables that the library uses only names it defines, and that every
 * name the command sections use without defining it is one the library defines (not one it merely
 * imports), never redefined or rebound. Throws SourceErrors naming section files and lines.
 */
export function compileModules(parts: RuntimeParts, version: string): { library: { text: string; sections: RuntimeSection[] }; commands: { text: string; sections: RuntimeSection[] } | null } {
  const libraryText = stampLibrary(compileRuntime(parts.library), version);
  const libraryNames = pythonNames(LIBRARY_PATH, libraryText);
  const errors: SourceError[] = [];
  for (const free of libraryNames.free) {
    if (MODULE_NAMES.has(free.name)) continue;
    errors.push(errorAt(parts.library, LIBRARY_PATH, free.line, `uses ${free.name}, which the library does not define (a project's copy of ml_utils.py must not need the plugin's command module)`, "runtime-name-missing", free.name));
  }
  if (parts.commands.length === 0) {
    if (errors.length) throw new SourceErrors(errors);
    return { library: { text: libraryText, sections: parts.library }, commands: null };
  }
  const body = compileRuntime(parts.commands);
  const commandNames = pythonNames(COMMANDS_PATH, body);
  const libraryBound = new Set(libraryNames.bound);
  const needed: string[] = [];
  for (const free of commandNames.free) {
    if (MODULE_NAMES.has(free.name)) continue;
    if (libraryBound.has(free.name)) needed.push(free.name);
    else {
      const why = libraryNames.imported.includes(free.name) ? "which the library only imports (import it in this section)" : "which neither the library nor the command sections define";
      errors.push(errorAt(parts.commands, COMMANDS_PATH, free.line, `uses ${free.name}, ${why}`, "runtime-name-missing", free.name));
    }
  }
  for (const rebound of commandNames.rebound) {
    errors.push(errorAt(parts.commands, COMMANDS_PATH, rebound.line, `rebinds ${rebound.name} with \`global\`: a command must not replace a name of the library`, "runtime-name-rebound", rebound.name));
  }
  if (errors.length) throw new SourceErrors(errors);
  const sections = [...parts.commands.filter((section) => section.key === "preamble"), libraryNamesSection([...new Set(needed)].sort()), ...parts.commands.filter((section) => section.key !== "preamble")];
  return { library: { text: libraryText, sections: parts.library }, commands: { text: compileRuntime(sections), sections } };
}

/** SourceErrors for every name defined in two sections of one module (one section must not replace another's names). */
function clashes(run: PythonRun, sections: RuntimeSection[], others: Map<string, { file: string; line: number }> = new Map()): SourceError[] {
  const found: SourceError[] = [];
  const owner = new Map(others);
  for (const definition of run.definitions) {
    const where = sectionAtLine(sections, definition.line);
    if (!where) continue;
    const first = owner.get(definition.name);
    if (!first) owner.set(definition.name, { file: where.section.file, line: where.line });
    else if (first.file !== where.section.file) {
      found.push(new SourceError(where.section.file, `defines ${definition.name}, which ${first.file}:${first.line} already defines; a section must not replace another section's names`, where.line, {
        ruleId: "runtime-name-clash",
        actual: definition.name,
      }));
    }
  }
  return found;
}

/**
 * Compiles the library and the command module (see compileModules), runs them with Python, and checks
 * that the library defines `release.runtimeApi` and holds no command (no `_COMMANDS` table), and that no
 * section redefines a name another section (of either module) defines. Returns null when there is no
 * runtime at all. Throws SourceError(s) naming section files and lines.
 */
export function buildRuntime(sources: SourceTree, release: Release, templateRoot: string): CompiledRuntime | null {
  const parts = runtimeParts(sources, release, templateRoot);
  if (parts.library.length === 0) return null;
  const compiled = compileModules(parts, release.version);
  const modules = [{ name: "ml_utils.py", file: LIBRARY_PATH, source: compiled.library.text, sections: compiled.library.sections }];
  if (compiled.commands) modules.push({ name: "ml_automation.py", file: COMMANDS_PATH, source: compiled.commands.text, sections: compiled.commands.sections });
  let runs: PythonRun[];
  try {
    runs = runPythonModules(modules);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    const module = modules.find((candidate) => candidate.file === error.file);
    if (!module || !error.line) throw error;
    throw errorAt(module.sections, module.file, error.line, `${error.reason} (line ${error.line} of the compiled ${module.name})`, error.ruleId ?? "runtime-run", error.actual);
  }
  const [library, commands] = runs as [PythonRun, PythonRun | undefined];
  const problems = clashes(library, compiled.library.sections);
  if (commands && compiled.commands) {
    const libraryOwners = new Map<string, { file: string; line: number }>();
    for (const definition of library.definitions) {
      const where = sectionAtLine(compiled.library.sections, definition.line);
      if (where && !libraryOwners.has(definition.name)) libraryOwners.set(definition.name, { file: where.section.file, line: where.line });
    }
    problems.push(...clashes(commands, compiled.commands.sections, libraryOwners));
  }
  if (library.names.includes("_COMMANDS")) {
    problems.push(new SourceError(LIBRARY_PATH, "holds a command table (_COMMANDS): commands belong in the release's commandSections (templates/ml_automation.py), not in the library a project holds", undefined, { ruleId: "runtime-library-commands" }));
  }
  if (problems.length) throw new SourceErrors(problems);
  const missing = release.runtimeApi.filter((name) => !library.functions.includes(name));
  if (missing.length) throw new SourceError(LIBRARY_PATH, `does not define ${missing.join(", ")}, which release ${release.version} requires`, undefined, { ruleId: "runtime-api-missing", actual: missing.join(", ") });
  const compiledModule = (path: string, text: string, sections: RuntimeSection[], run: PythonRun): CompiledModule => ({
    path,
    text,
    sections: sections.map((section) => section.key),
    functions: run.functions.length,
  });
  return {
    library: compiledModule(LIBRARY_PATH, compiled.library.text, compiled.library.sections, library),
    commands: compiled.commands && commands ? compiledModule(COMMANDS_PATH, compiled.commands.text, compiled.commands.sections, commands) : null,
  };
}
