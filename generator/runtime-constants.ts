/**
 * Constants of generator/constants.ts inside the runtime's plain `.py` sections. A section holds them
 * in a marked block:
 *
 *     # --- generated from generator/constants.ts: registry ---
 *     PLATFORM_MLOPS_DIRS = [...]
 *     # --- end generated ---
 *
 * The build replaces every block's body with what the constants give (so the constants have one
 * source), and `npm run sync:constants` writes the same into the committed files (so each .py file
 * stays valid Python that ruff and mypy check on its own).
 */
import { METRIC_AVERAGING, METRIC_DIRECTIONS, MLOPS_DIR_ENV, MLOPS_DIRS, MLOPS_SCHEMA_VERSION, PLATFORM_DIRS, PRIMARY_METRICS, REGISTRY_FILES, TASK_TYPE_METRICS } from "./constants.ts";
import { SourceError } from "./errors.ts";
import { pythonLiteral } from "./python-literal.ts";

const assign = (name: string, value: unknown) => `${name} = ${pythonLiteral(value)}`;

/** The blocks a section may hold, by name: each returns the Python lines of its body. */
export const GENERATED_BLOCKS: Record<string, () => string[]> = {
  "platform folders": () => [assign("PLATFORM_DIRS", PLATFORM_DIRS)],
  registry: () => [
    assign("PLATFORM_MLOPS_DIRS", MLOPS_DIRS),
    assign("MLOPS_DIR_ENV", MLOPS_DIR_ENV),
    assign("MLOPS_SCHEMA_VERSION", MLOPS_SCHEMA_VERSION),
    assign("MODEL_REGISTRY_FILE", REGISTRY_FILES.models),
    assign("FEATURE_STORE_FILE", REGISTRY_FILES.features),
    assign("EXPERIMENTS_DIR", REGISTRY_FILES.experiments),
    assign("DATA_VERSIONS_DIR", REGISTRY_FILES.dataVersions),
    assign("TASK_TYPE_METRICS", TASK_TYPE_METRICS),
    assign("TASK_TYPE_PRIMARY_METRIC", PRIMARY_METRICS),
    assign("METRIC_DIRECTIONS", METRIC_DIRECTIONS),
  ],
  "metric averaging": () => [assign("METRIC_AVERAGING", METRIC_AVERAGING)],
};

const START = /^# --- generated from generator\/constants\.ts: (.+?) ---[ \t]*\r?$/;
const END = /^# --- end generated ---[ \t]*\r?$/;

/** One generated block of a file: its name, the 1-based line of its start marker, and whether its body is current. */
export interface GeneratedBlock {
  name: string;
  line: number;
  current: boolean;
}

/**
 * Returns `text` (read from `file`) with the body of every generated block replaced by what the
 * constants give, and the blocks found. Throws SourceError (file and line) for an unknown block name,
 * a start marker without its end marker, or an end marker without a start.
 */
export function fillGeneratedBlocks(file: string, text: string): { text: string; blocks: GeneratedBlock[] } {
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split("\n");
  const out: string[] = [];
  const blocks: GeneratedBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (END.test(line)) throw new SourceError(file, "`# --- end generated ---` without a `# --- generated from generator/constants.ts: NAME ---` line before it", index + 1, { ruleId: "runtime-generated-block" });
    const start = START.exec(line);
    out.push(line);
    if (!start) continue;
    const name = start[1] ?? "";
    const generate = GENERATED_BLOCKS[name];
    if (!generate) {
      throw new SourceError(file, `unknown generated block ${JSON.stringify(name)}; known: ${Object.keys(GENERATED_BLOCKS).map((key) => JSON.stringify(key)).join(", ")}`, index + 1, { ruleId: "runtime-generated-block", actual: name });
    }
    const end = lines.findIndex((candidate, at) => at > index && (END.test(candidate) || START.test(candidate)));
    if (end === -1 || START.test(lines[end] ?? "")) throw new SourceError(file, `generated block ${JSON.stringify(name)} has no \`# --- end generated ---\` line`, index + 1, { ruleId: "runtime-generated-block", actual: name });
    const body = generate().join("\n").split("\n").map((bodyLine) => (newline === "\r\n" ? `${bodyLine}\r` : bodyLine));
    const old = lines.slice(index + 1, end);
    blocks.push({ name, line: index + 1, current: old.join("\n") === body.join("\n") });
    out.push(...body, lines[end] ?? "");
    index = end;
  }
  return { text: out.join("\n"), blocks };
}
