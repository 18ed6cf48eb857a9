/**
 * Renders the release's templates (markdown fragments, new files, ml_utils.py sections) with
 * Handlebars and the shared constants.
 */
import Handlebars from "handlebars";
import {
  METRIC_DIRECTIONS,
  MLOPS_DIR_ENV,
  MLOPS_SCHEMA_VERSION,
  MLOPS_SUBDIR,
  PLATFORM_DIRS,
  REGISTRY_FILES,
  TASK_TYPES,
} from "./constants.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "./errors.ts";
import { pythonLiteral } from "./python-literal.ts";
import type { Release } from "./release.ts";
import { displayPath, type TextFile } from "./sources.ts";

/** Builds the template context for a release `version` from the shared constants. */
export function templateContext(version: string) {
  const mlopsDirs = [...PLATFORM_DIRS.map((dir) => `${dir}/${MLOPS_SUBDIR}`), MLOPS_SUBDIR];
  const taskTypes = TASK_TYPES.map((type) => ({
    ...type,
    primaryDirection: METRIC_DIRECTIONS[type.primaryMetric] ?? missingDirection(type.primaryMetric),
  }));
  return {
    version,
    platformDirs: PLATFORM_DIRS,
    mlopsDirs,
    defaultMlopsDir: mlopsDirs[0],
    mlopsDirEnv: MLOPS_DIR_ENV,
    registryFiles: REGISTRY_FILES,
    schemaVersion: MLOPS_SCHEMA_VERSION,
    taskTypes,
    taskTypeNames: TASK_TYPES.map((type) => type.name),
    taskTypeMetrics: Object.fromEntries(TASK_TYPES.map((type) => [type.name, type.requiredMetrics])),
    primaryMetrics: Object.fromEntries(taskTypes.map((type) => [type.name, [type.primaryMetric, type.primaryDirection]])),
    metricDirections: METRIC_DIRECTIONS,
  };
}

function missingDirection(metric: string): never {
  throw new Error(`constants: primary metric ${JSON.stringify(metric)} has no entry in METRIC_DIRECTIONS`);
}

const handlebars = Handlebars.create();
handlebars.registerHelper("py", (value: unknown) => pythonLiteral(value));
handlebars.registerHelper("join", (items: unknown, separator: unknown) =>
  (Array.isArray(items) ? items : []).join(typeof separator === "string" ? separator : ", "),
);
handlebars.registerHelper("code", (items: unknown) =>
  (Array.isArray(items) ? items : [items]).map((item) => `\`${String(item)}\``).join(", "),
);

/**
 * Renders the Handlebars template `source` (read from `file`, named in errors) with `context`.
 * Output is not HTML-escaped. Throws SourceError for a syntax error or a variable the context lacks.
 */
export function renderTemplate(file: string, source: string, context: object): string {
  try {
    return handlebars.compile(source, { noEscape: true, strict: true })(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = /line (\d+)/.exec(message)?.[1];
    throw new SourceError(file, `template does not render: ${message.split("\n")[0]}`, line ? Number(line) : undefined);
  }
}

/**
 * Returns a function rendering `release`'s templates by name (relative to its templateDir under
 * `templateRoot`) with the shared constants. It throws SourceError for a missing or broken template.
 */
export function releaseRenderer(templateRoot: string, release: Release): (template: string) => TextFile {
  const context = templateContext(release.version);
  return (template) => {
    const path = join(templateRoot, release.templateDir, template);
    const file = displayPath(path);
    if (!existsSync(path)) throw new SourceError(file, `template of release ${release.version} is missing`);
    return { file, text: renderTemplate(file, readFileSync(path, "utf8"), context) };
  };
}
