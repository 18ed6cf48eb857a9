/**
 * The runtime step of the build: the source's ml_utils.py sections and the release's, joined into
 * templates/ml_utils.py, then run with Python (compiled, imported, `--help` of each command). Every
 * failure is a SourceError naming the section file and line it comes from.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError, SourceErrors } from "./errors.ts";
import { runPythonModule } from "./python.ts";
import type { Release } from "./release.ts";
import { fillGeneratedBlocks } from "./runtime-constants.ts";
import { compileRuntime, mergeSections, readSectionTemplate, sectionAtLine, splitRuntime, type RuntimeSection } from "./runtime.ts";
import { displayPath, type SourceTree } from "./sources.ts";

/** A compiled runtime: its text, its sections' keys in file order, and how many functions it defines. */
export interface CompiledRuntime {
  text: string;
  sections: string[];
  functions: number;
}

const COMPILED = "templates/ml_utils.py";

/** Reads one `.py` section file of the sources or of a release, with its generated blocks filled in. */
export function readSectionFile(file: string, text: string): RuntimeSection {
  return readSectionTemplate(file, fillGeneratedBlocks(file, text).text);
}

/** The release's runtime sections, read from `templateRoot`/`release.templateDir`. */
export function releaseSections(release: Release, templateRoot: string): RuntimeSection[] {
  return release.runtimeSections.map((name) => {
    const path = join(templateRoot, release.templateDir, name);
    const file = displayPath(path);
    if (!existsSync(path)) throw new SourceError(file, `runtime section of release ${release.version} is missing`, undefined, { ruleId: "runtime-section-missing", actual: name });
    return readSectionFile(file, readFileSync(path, "utf8"));
  });
}

/** The source tree's runtime sections: split from one ml_utils.py, or read from section files. */
export function sourceSections(sources: SourceTree): RuntimeSection[] {
  if (!sources.runtime) return [];
  if (sources.runtime.kind === "file") return splitRuntime(sources.runtime.file.file, sources.runtime.file.text);
  return sources.runtime.files.map((file) => readSectionFile(file.file, file.text));
}

/**
 * Compiles ml_utils.py from the source's sections and the release's, runs it with Python, and checks
 * that it defines `release.runtimeApi` and that no section redefines a name another section defines.
 * Returns null when there is no runtime at all. Throws SourceError(s) naming section files and lines;
 * a release that adds runtime sections to sources without any is refused.
 */
export function buildRuntime(sources: SourceTree, release: Release, templateRoot: string): CompiledRuntime | null {
  const base = sourceSections(sources);
  const added = releaseSections(release, templateRoot);
  if (base.length === 0 && added.length > 0) {
    throw new SourceError(
      displayPath(sources.root),
      `release ${release.version} adds runtime sections (${added.map((section) => section.file).join(", ")}) but the sources have no ml_utils.py to add them to ` +
        "(expected templates/ml_utils/*.py section files, or templates/ml_utils.py in a plugin checkout)",
      undefined,
      { ruleId: "runtime-base-missing", actual: release.version },
    );
  }
  const sections = mergeSections(base, added);
  if (sections.length === 0) return null;
  const text = compileRuntime(sections);
  const at = (line: number | undefined) => (line ? sectionAtLine(sections, line) : undefined);
  let run;
  try {
    run = runPythonModule(COMPILED, text);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    const where = at(error.line);
    if (!where) throw error;
    throw new SourceError(where.section.file, `${error.reason} (line ${error.line} of the compiled ml_utils.py)`, where.line, { ruleId: error.ruleId, actual: error.actual });
  }
  const clashes: SourceError[] = [];
  const owner = new Map<string, { file: string; line: number }>();
  for (const definition of run.definitions) {
    const where = at(definition.line);
    if (!where) continue;
    const first = owner.get(definition.name);
    if (!first) owner.set(definition.name, { file: where.section.file, line: where.line });
    else if (first.file !== where.section.file) {
      clashes.push(new SourceError(where.section.file, `defines ${definition.name}, which ${first.file}:${first.line} already defines; a section must not replace another section's names`, where.line, {
        ruleId: "runtime-name-clash",
        actual: definition.name,
      }));
    }
  }
  if (clashes.length) throw new SourceErrors(clashes);
  const missing = release.runtimeApi.filter((name) => !run.functions.includes(name));
  if (missing.length) throw new SourceError(COMPILED, `does not define ${missing.join(", ")}, which release ${release.version} requires`, undefined, { ruleId: "runtime-api-missing", actual: missing.join(", ") });
  return { text, sections: sections.map((section) => section.key), functions: run.functions.length };
}
