/**
 * The plugin's `claude plugin eval` cases (evals/NAME/case.yaml), run by the harness the way the
 * client runs them, against the scripted stand-in instead of a real model: the case's scaffold script
 * prepares an empty project folder, `claude -p` runs its prompt with its turn limit and tool grants,
 * and its graders are judged on the outcome. Only graders that need no model are judged here (regex,
 * tool_used, file_exists, tool_order); a case with an llm or baseline grader needs a real model.
 * Grader semantics follow `claude plugin eval init`'s documentation: `last_message` is the final
 * answer, `trace` the run's event stream, `files` the paths created during the run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import picomatch from "picomatch";
import { parse } from "yaml";
import type { RunResult } from "./claude.ts";

/** The kinds of grader `claude plugin eval` knows, and those that ask a model. */
export const GRADER_TYPES = ["regex", "tool_order", "tool_used", "file_exists", "llm", "baseline"] as const;
const JUDGED_BY_A_MODEL = new Set(["llm", "baseline"]);

/** A grader as case.yaml states it (the client's defaults applied when judged). */
export interface Grader {
  type: (typeof GRADER_TYPES)[number];
  name: string;
  [key: string]: unknown;
}

/** An eval case as the harness reads it. */
export interface EvalCase {
  name: string;
  dir: string;
  prompt: string;
  maxTurns: number;
  allowedTools: string[];
  scaffold: string | undefined;
  graders: Grader[];
  /** True when every grader is judged without a model (the harness can run the case). */
  scriptable: boolean;
}

/** The case folders below `evalsDir` (those holding a case.yaml), sorted. */
export function caseFolders(evalsDir: string): string[] {
  return readdirSync(evalsDir)
    .map((name) => join(evalsDir, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(join(dir, "case.yaml")))
    .sort();
}

/** Reads the case in `dir` (its case.yaml). Throws Error naming the file when a required field is missing. */
export function loadCase(dir: string): EvalCase {
  const file = join(dir, "case.yaml");
  const data = parse(readFileSync(file, "utf8")) as Record<string, any>;
  const execution = data.execution ?? {};
  if (typeof data.name !== "string" || typeof execution.prompt !== "string" || !Array.isArray(data.graders)) {
    throw new Error(`${file}: expected name, execution.prompt and graders`);
  }
  const graders = data.graders as Grader[];
  return {
    name: data.name,
    dir,
    prompt: execution.prompt,
    maxTurns: execution.max_turns ?? 10,
    allowedTools: execution.allowed_tools ?? [],
    scaffold: data.context?.scaffold_script,
    graders,
    scriptable: graders.every((grader) => !JUDGED_BY_A_MODEL.has(grader.type)),
  };
}

/** Runs the case's scaffold script in `project` (as `claude plugin eval --scaffold` does); throws with its output on failure. */
export function scaffold(evalCase: EvalCase, project: string): void {
  if (!evalCase.scaffold) return;
  const done = spawnSync("bash", [join(evalCase.dir, evalCase.scaffold)], { cwd: project, encoding: "utf8" });
  if (done.status !== 0) throw new Error(`scaffold of ${evalCase.name} failed:\n${done.stdout}${done.stderr}`);
}

/** Every file below `dir`, relative to it with forward slashes. */
export function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/** What the graders look at: the run, the project folder, and the files it held before the run. */
export interface Outcome {
  run: RunResult;
  project: string;
  before: string[];
}

/** A grader's verdict, with why. */
export interface Verdict {
  name: string;
  passed: boolean;
  explanation: string;
}

/** The CLI's final answer (its result event), else the last assistant text of the stream. */
function lastMessage(run: RunResult): string {
  const result = run.events.find((event) => event.type === "result");
  return typeof result?.result === "string" ? result.result : "";
}

/** Every tool call the model made, in order. */
function toolCalls(run: RunResult): Array<{ name: string; input: unknown }> {
  return run.events
    .filter((event) => event.type === "assistant")
    .flatMap((event) => ((event.message as { content?: Array<Record<string, unknown>> })?.content ?? []).filter((block) => block.type === "tool_use"))
    .map((block) => ({ name: String(block.name), input: block.input }));
}

function targetText(target: unknown, outcome: Outcome): string {
  if (target === undefined || target === "last_message") return lastMessage(outcome.run);
  if (target === "trace") return outcome.run.events.map((event) => JSON.stringify(event)).join("\n");
  if (target === "files") return filesBelow(outcome.project).filter((path) => !outcome.before.includes(path)).join("\n");
  const file = join(outcome.project, String((target as { path?: unknown }).path));
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/** Judges `grader` on `outcome`; throws for a grader that needs a model. */
export function judge(grader: Grader, outcome: Outcome): Verdict {
  const verdict = (passed: boolean, explanation: string) => ({ name: grader.name, passed, explanation });
  switch (grader.type) {
    case "regex": {
      const text = targetText(grader.target, outcome);
      const found = text.match(new RegExp(String(grader.pattern), `${String(grader.flags ?? "").replace("g", "")}g`))?.length ?? 0;
      const match = String(grader.match ?? "contains");
      const passed = match === "contains" ? found > 0 : match === "not_contains" ? found === 0 : found === Number(match.slice("count:".length));
      return verdict(passed, `${found} match(es) of /${String(grader.pattern)}/ (${match})`);
    }
    case "tool_used": {
      const pattern = grader.input_match === undefined ? null : new RegExp(String(grader.input_match));
      const count = toolCalls(outcome.run).filter((call) => call.name === grader.tool && (!pattern || pattern.test(JSON.stringify(call.input)))).length;
      const min = Number(grader.min ?? 1);
      const max = grader.max === undefined ? Infinity : Number(grader.max);
      return verdict(count >= min && count <= max, `${String(grader.tool)} called ${count} time(s)`);
    }
    case "tool_order": {
      const names = toolCalls(outcome.run).map((call) => call.name);
      const [before, after] = [grader.before, grader.after].map((step) => (typeof step === "string" ? step : String((step as { tool?: unknown })?.tool)));
      const first = names.indexOf(before ?? "");
      return verdict(first >= 0 && names.indexOf(after ?? "", first + 1) > first, `tools: ${names.join(", ")}`);
    }
    case "file_exists": {
      const created = filesBelow(outcome.project).filter((path) => !outcome.before.includes(path));
      const matches = picomatch(String(grader.path), { dot: true });
      const present = created.some((path) => matches(path));
      return verdict(present === (grader.exists ?? true), `${String(grader.path)} ${present ? "created" : "not created"}`);
    }
    default:
      throw new Error(`grader ${grader.name} (${grader.type}) needs a model`);
  }
}
