/**
 * Renders the release's templates (markdown fragments, new files, ml_utils.py sections) with
 * Handlebars and the shared constants.
 */
import Handlebars from "handlebars";
import {
  METRIC_AVERAGING,
  METRIC_DIRECTIONS,
  MLOPS_DIR_ENV,
  MLOPS_DIRS,
  MLOPS_SCHEMA_VERSION,
  PLATFORM_DIRS,
  PRIMARY_METRICS,
  primaryDirection,
  REGISTRY_FILES,
  TASK_TYPE_METRICS,
  TASK_TYPES,
} from "./constants.ts";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SourceError } from "./errors.ts";
import type { Release } from "./release.ts";
import { displayPath, type TextFile } from "./sources.ts";

/** Builds the template context for a release `version` from the shared constants. */
export function templateContext(version: string) {
  return {
    version,
    platformDirs: PLATFORM_DIRS,
    mlopsDirs: MLOPS_DIRS,
    defaultMlopsDir: MLOPS_DIRS[0],
    mlopsDirEnv: MLOPS_DIR_ENV,
    registryFiles: REGISTRY_FILES,
    schemaVersion: MLOPS_SCHEMA_VERSION,
    taskTypes: TASK_TYPES.map((type) => ({ ...type, primaryDirection: primaryDirection(type) })),
    taskTypeNames: TASK_TYPES.map((type) => type.name),
    taskTypeMetrics: TASK_TYPE_METRICS,
    primaryMetrics: PRIMARY_METRICS,
    metricDirections: METRIC_DIRECTIONS,
    metricAveraging: METRIC_AVERAGING,
  };
}

const handlebars = Handlebars.create();
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
    throw new SourceError(file, `template does not render: ${message.split("\n")[0]}`, line ? Number(line) : undefined, { ruleId: "template-render" });
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
    if (!existsSync(path)) throw new SourceError(file, `template of release ${release.version} is missing`, undefined, { ruleId: "template-missing", actual: template });
    return { file, text: renderTemplate(file, readFileSync(path, "utf8"), context) };
  };
}
