/**
 * The runtime step of the build. Up to three Python modules are compiled from sections:
 * - templates/ml_utils.py, the library a project holds a copy of: the source's sections and the
 *   release's `runtimeSections`, stamped with the release and a hash of its text (RUNTIME_STAMP);
 * - templates/ml_utils_mlflow.py, the MLflow mirror's client side (`mirrorSections`): the library loads
 *   it into itself when a project turns the mirror on; MIRROR_OF holds the library's stamp;
 * - templates/ml_automation.py, the plugin's commands (`commandSections`), which stays in the plugin:
 *   its preamble loads the plugin's library by path.
 * The second and third use names of the library (and the third of the mirror) through a LIBRARY NAMES
 * section the build writes after their preamble. All are then run with Python (compiled, imported,
 * `--help` of each command). Every failure is a SourceError naming the section file and line it comes from.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError, SourceErrors } from "./errors.ts";
import { pythonNames, runPythonModules, type PythonNames, type PythonRun } from "./python.ts";
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

/** The compiled runtime: the library, and the mirror's client side and the command module when the releases have their sections. */
export interface CompiledRuntime {
  library: CompiledModule;
  mirror: CompiledModule | null;
  commands: CompiledModule | null;
}

/** The sections of each module, before compiling. */
export interface RuntimeParts {
  library: RuntimeSection[];
  mirror: RuntimeSection[];
  commands: RuntimeSection[];
}

/** A module compiled but not run: its text and the sections it was compiled from (for line mapping). */
export interface CompiledText {
  text: string;
  sections: RuntimeSection[];
}

/** Where each module goes in the plugin. */
export const LIBRARY_PATH = "templates/ml_utils.py";
export const MIRROR_PATH = "templates/ml_utils_mlflow.py";
export const COMMANDS_PATH = "templates/ml_automation.py";

/** The key (banner title) of the section the build writes into the mirror and the command module. */
const LIBRARY_NAMES = "LIBRARY NAMES";
/** The lines of the library and of the mirror that the build stamps, as their sources hold them. */
const UNBUILT_STAMP = 'RUNTIME_STAMP = "unbuilt"';
const UNBUILT_MIRROR = 'MIRROR_OF = "unbuilt"';
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
 * The sections of each module: the source's library sections with the release's (a source section
 * whose banner the release puts into the command module, as in a plugin built before the split, moves
 * there), and the source's mirror and command sections with the release's, in the release's order
 * (their LIBRARY NAMES section is the build's own: written again, never kept). Throws SourceError when the release adds
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
  const built = (runtime: RuntimeSource) => sectionsOf(runtime).filter((section) => section.key !== LIBRARY_NAMES);
  // The release's sections in the release's order (a section may use at import time what an earlier
  // one defines, and the command line runs last), after the sources' own.
  const inReleaseOrder = (sections: RuntimeSection[], added: RuntimeSection[]) => {
    const rank = new Map(added.map((section, index) => [section.key, index]));
    return [...sections].sort((a, b) => (rank.get(a.key) ?? -1) - (rank.get(b.key) ?? -1));
  };
  const mirrorAdded = readSections(release, templateRoot, release.mirrorSections ?? []);
  return {
    library: mergeSections(base.filter((section) => !moves.has(section.key)), added),
    mirror: inReleaseOrder(mergeSections(built(sources.mirror), mirrorAdded), mirrorAdded),
    commands: inReleaseOrder(mergeSections([...built(sources.commands), ...base.filter((section) => moves.has(section.key))], commandAdded), commandAdded),
  };
}

/** `text` with its RUNTIME_STAMP line set to the release and the first 16 hex digits of the sha256 of the unstamped text. */
export function stampLibrary(text: string, version: string): string {
  if (!text.includes(UNBUILT_STAMP)) return text;
  const hash = createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
  return text.replace(UNBUILT_STAMP, `RUNTIME_STAMP = "${version}+${hash}"`);
}

/** The RUNTIME_STAMP a compiled library holds, or null. */
export function libraryStamp(text: string): string | null {
  return /^RUNTIME_STAMP = "([^"\n]*)"$/m.exec(text)?.[1] ?? null;
}

/** The section of `sections` (compiled into one module) holding `line`, as a SourceError there. */
function errorAt(sections: RuntimeSection[], fallback: string, line: number | undefined, reason: string, ruleId: string, actual?: string): SourceError {
  const where = line ? sectionAtLine(sections, line) : undefined;
  return where ? new SourceError(where.section.file, reason, where.line, { ruleId, actual }) : new SourceError(fallback, reason, line, { ruleId, actual });
}

/**
 * The section the build writes after a module's preamble: the names it uses from `sources` (module ->
 * names), imported for type checkers, and bound at run time from the loaded library (`_LIBRARY`) when
 * `bind`; the mirror runs inside the library and binds nothing.
 */
function libraryNamesSection(path: string, sources: Array<[string, string[]]>, bind: boolean): RuntimeSection {
  const used = sources.filter(([, names]) => names.length);
  const imports = used.flatMap(([module, names]) => [`    from ${module} import (`, ...names.map((name) => `        ${name},`), "    )"]);
  const bindings = bind ? used.flatMap(([, names]) => names.map((name) => `    ${name} = _LIBRARY.${name}`)) : [];
  const text = [
    "# =============================================================================",
    `# ${LIBRARY_NAMES}`,
    "# =============================================================================",
    "",
    bind
      ? "# Written by the build: the names of the plugin's ml_utils.py (_LIBRARY, with its mirror loaded) that the sections below use."
      : "# Written by the build: the names of ml_utils the sections below use (they run inside it: nothing to bind).",
    "",
    "if TYPE_CHECKING:",
    ...(imports.length ? imports : ["    pass"]),
    ...(bind && bindings.length ? ["else:", ...bindings] : []),
    "",
  ].join("\n");
  return { key: LIBRARY_NAMES, title: LIBRARY_NAMES, text, file: `${path} (${LIBRARY_NAMES}, written by the build)` };
}

/** `sections` with `names` right after the preamble. */
function withNames(sections: RuntimeSection[], names: RuntimeSection): RuntimeSection[] {
  return [...sections.filter((section) => section.key === "preamble"), names, ...sections.filter((section) => section.key !== "preamble")];
}

/** Names of `names.free` (a module's) that none of `providers` binds, as errors; the others, by provider. */
function resolve(names: PythonNames, sections: RuntimeSection[], path: string, providers: Array<[string, PythonNames]>): { errors: SourceError[]; used: Array<[string, string[]]> } {
  const errors: SourceError[] = [];
  const used = new Map<string, Set<string>>(providers.map(([module]) => [module, new Set<string>()]));
  for (const free of names.free) {
    if (MODULE_NAMES.has(free.name)) continue;
    const provider = providers.find(([, provided]) => provided.bound.includes(free.name));
    if (provider) used.get(provider[0])?.add(free.name);
    else {
      const why = providers.some(([, provided]) => provided.imported.includes(free.name)) ? "which the library only imports (import it in this section)" : "which neither the library nor this module's sections define";
      errors.push(errorAt(sections, path, free.line, `uses ${free.name}, ${why}`, "runtime-name-missing", free.name));
    }
  }
  return { errors, used: [...used].map(([module, set]) => [module, [...set].sort()]) };
}

/**
 * Compiles the modules of `parts` (the library stamped with `version`, the mirror with the library's
 * stamp) without running them. Checks by Python's own symbol tables that the library uses only names
 * it defines; that the mirror uses only names of the library and binds none of them (it runs inside
 * the library); and that every name the command sections use without defining it is one the library
 * or the mirror binds (not one they merely import), never rebound. Throws SourceErrors naming section
 * files and lines.
 */
export function compileModules(parts: RuntimeParts, version: string): { library: CompiledText; mirror: CompiledText | null; commands: CompiledText | null } {
  const libraryText = stampLibrary(compileRuntime(parts.library), version);
  const library = pythonNames(LIBRARY_PATH, libraryText);
  const errors: SourceError[] = [];
  for (const free of library.free) {
    if (MODULE_NAMES.has(free.name)) continue;
    errors.push(errorAt(parts.library, LIBRARY_PATH, free.line, `uses ${free.name}, which the library does not define (a project's copy of ml_utils.py must not need the plugin's command module)`, "runtime-name-missing", free.name));
  }
  let mirror: CompiledText | null = null;
  let mirrorNames: PythonNames | null = null;
  if (parts.mirror.length) {
    mirrorNames = pythonNames(MIRROR_PATH, compileRuntime(parts.mirror));
    const resolved = resolve(mirrorNames, parts.mirror, MIRROR_PATH, [["ml_utils", library]]);
    errors.push(...resolved.errors);
    for (const name of [...mirrorNames.bound, ...mirrorNames.imported]) {
      if (library.bound.includes(name)) {
        errors.push(new SourceError(MIRROR_PATH, `binds ${name}, which the library already binds: loaded into the library, the mirror would replace it`, undefined, { ruleId: "runtime-name-clash", actual: name }));
      }
    }
    const sections = withNames(parts.mirror, libraryNamesSection(MIRROR_PATH, resolved.used, false));
    const stamp = libraryStamp(libraryText);
    mirror = { text: compileRuntime(sections).replace(UNBUILT_MIRROR, `MIRROR_OF = ${JSON.stringify(stamp ?? "")}`), sections };
  }
  let commands: CompiledText | null = null;
  if (parts.commands.length) {
    const names = pythonNames(COMMANDS_PATH, compileRuntime(parts.commands));
    const providers: Array<[string, PythonNames]> = [["ml_utils", library], ...(mirrorNames ? [["ml_utils_mlflow", mirrorNames] as [string, PythonNames]] : [])];
    const resolved = resolve(names, parts.commands, COMMANDS_PATH, providers);
    errors.push(...resolved.errors);
    for (const rebound of names.rebound) {
      errors.push(errorAt(parts.commands, COMMANDS_PATH, rebound.line, `rebinds ${rebound.name} with \`global\`: a command must not replace a name of the library`, "runtime-name-rebound", rebound.name));
    }
    const sections = withNames(parts.commands, libraryNamesSection(COMMANDS_PATH, resolved.used, true));
    commands = { text: compileRuntime(sections), sections };
  }
  if (errors.length) throw new SourceErrors(errors);
  return { library: { text: libraryText, sections: parts.library }, mirror, commands };
}

/** SourceErrors for every name defined in two sections (of one module, or of `others` already seen). */
function clashes(run: PythonRun, sections: RuntimeSection[], owner: Map<string, { file: string; line: number }>): SourceError[] {
  const found: SourceError[] = [];
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
 * Compiles the modules (see compileModules), runs them with Python, and checks that the library
 * defines `release.runtimeApi` and holds no command (no `_COMMANDS` table), and that no section
 * redefines a name another section (of any module) defines. Returns null when there is no runtime at
 * all. Throws SourceError(s) naming section files and lines.
 */
export function buildRuntime(sources: SourceTree, release: Release, templateRoot: string): CompiledRuntime | null {
  const parts = runtimeParts(sources, release, templateRoot);
  if (parts.library.length === 0) return null;
  const compiled = compileModules(parts, release.version);
  const modules = [{ name: "ml_utils.py", file: LIBRARY_PATH, source: compiled.library.text, sections: compiled.library.sections, run: true }];
  if (compiled.mirror) modules.push({ name: "ml_utils_mlflow.py", file: MIRROR_PATH, source: compiled.mirror.text, sections: compiled.mirror.sections, run: false });
  if (compiled.commands) modules.push({ name: "ml_automation.py", file: COMMANDS_PATH, source: compiled.commands.text, sections: compiled.commands.sections, run: true });
  let runs: PythonRun[];
  try {
    runs = runPythonModules(modules);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    const module = modules.find((candidate) => candidate.file === error.file);
    if (!module || !error.line) throw error;
    throw errorAt(module.sections, module.file, error.line, `${error.reason} (line ${error.line} of the compiled ${module.name})`, error.ruleId ?? "runtime-run", error.actual);
  }
  const owner = new Map<string, { file: string; line: number }>();
  const problems = modules.flatMap((module, index) => clashes(runs[index]!, module.sections, owner));
  const library = runs[0]!;
  if (library.names.includes("_COMMANDS")) {
    problems.push(new SourceError(LIBRARY_PATH, "holds a command table (_COMMANDS): commands belong in the release's commandSections (templates/ml_automation.py), not in the library a project holds", undefined, { ruleId: "runtime-library-commands" }));
  }
  if (problems.length) throw new SourceErrors(problems);
  const missing = release.runtimeApi.filter((name) => !library.functions.includes(name));
  if (missing.length) throw new SourceError(LIBRARY_PATH, `does not define ${missing.join(", ")}, which release ${release.version} requires`, undefined, { ruleId: "runtime-api-missing", actual: missing.join(", ") });
  const compiledModule = (index: number): CompiledModule => ({
    path: modules[index]!.file,
    text: modules[index]!.source,
    sections: modules[index]!.sections.map((section) => section.key),
    functions: runs[index]!.functions.length,
  });
  const at = (path: string) => modules.findIndex((module) => module.file === path);
  return {
    library: compiledModule(0),
    mirror: at(MIRROR_PATH) >= 0 ? compiledModule(at(MIRROR_PATH)) : null,
    commands: at(COMMANDS_PATH) >= 0 ? compiledModule(at(COMMANDS_PATH)) : null,
  };
}
