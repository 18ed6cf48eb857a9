/**
 * The bundle as Cursor uses it. No Cursor client runs here, so each step Cursor takes is taken the
 * documented way: the manifest is read, its hooks file's commands are run with ${CURSOR_PLUGIN_ROOT}
 * set to the plugin folder, in the project folder, with Cursor-shaped JSON on stdin, and the commands'
 * instructions are run as the model would run them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJsonFile } from "../generator/json-file.ts";
import { checkCursorManifest } from "../scripts/verify/cursor-checks.ts";
import { checkCursorFiles } from "../scripts/verify/cursor-file-checks.ts";
import { useClientFixture } from "./harness/fixtures.ts";
import { venvPython } from "./harness/project.ts";

const fixture = useClientFixture({ install: false });
let plugin: string;
let hooks: Record<string, Array<{ command: string }>>;

beforeAll(() => {
  plugin = fixture.plugin;
  const manifest = JSON.parse(readFileSync(join(plugin, ".cursor-plugin", "plugin.json"), "utf8")) as { hooks: string };
  hooks = (JSON.parse(readFileSync(join(plugin, manifest.hooks), "utf8")) as { hooks: typeof hooks }).hooks;
});

/** Runs the handler Cursor runs for `event` as Cursor does: in `cwd`, the variable expanded, `input` on stdin. */
function runHook(event: string, cwd: string, input: Record<string, unknown>) {
  const [handler] = hooks[event] ?? [];
  if (!handler) throw new Error(`no ${event} handler in the Cursor hooks file`);
  const command = handler.command.replace(/\$\{CURSOR_PLUGIN_ROOT\}/g, plugin);
  const result = spawnSync("sh", ["-c", command], { cwd, input: JSON.stringify({ hook_event_name: event, workspace_roots: [cwd], ...input }), encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the Cursor manifest and what it names", () => {
  it("follows Cursor's manifest rules, and its commands, skills, agents and hooks hold nothing Cursor cannot use", () => {
    const manifest = parseJsonFile(".cursor-plugin/plugin.json", readFileSync(join(plugin, ".cursor-plugin", "plugin.json"), "utf8"));
    expect(manifest.data).toMatchObject({ commands: "cursor/commands/", skills: "cursor/skills/", agents: "cursor/agents/", hooks: "cursor/hooks.json" });
    expect(checkCursorManifest(manifest, plugin)).toEqual([]);
    expect(checkCursorFiles(manifest, plugin)).toEqual([]);
  });
});

describe("the session start hook and the runtime's launcher", () => {
  it("writes .cursor/ml_automation.py, through which the registry, copy-runtime and the plugin folder are reached", () => {
    const cwd = fixture.project();
    const started = runHook("sessionStart", cwd, {});
    expect(started).toMatchObject({ status: 0, stdout: "{}\n", stderr: "" });
    const launch = (...args: string[]) => spawnSync("python3", [".cursor/ml_automation.py", ...args], { cwd, encoding: "utf8" });
    expect(launch("--plugin-root").stdout.trim()).toBe(plugin);
    const direct = spawnSync("python3", [join(plugin, "templates", "ml_automation.py"), "registry", "models"], { cwd, encoding: "utf8" });
    expect(launch("registry", "models")).toMatchObject({ status: 0, stdout: direct.stdout });
    expect(launch("registry", "lineage", "no_such_model").status).toBe(1);
    expect(launch("copy-runtime").stdout).toContain("copied ml_utils.py into .");
    expect(readFileSync(join(cwd, "ml_utils.py"), "utf8")).toBe(readFileSync(join(plugin, "templates", "ml_utils.py"), "utf8"));
    const again = runHook("sessionStart", cwd, {});
    expect(again.status).toBe(0);
  });

  it("never stops a session: a project folder it cannot write to gets a warning, exit 0", () => {
    const cwd = fixture.project();
    spawnSync("sh", ["-c", "printf 'not a folder' > .cursor"], { cwd });
    const started = runHook("sessionStart", cwd, {});
    expect(started.status).toBe(0);
    expect(started.stderr).toContain("ml-automation session start skipped");
  });

  it("leaves the project's registry folder where it was (mlops/), so there are never two model-registry.json files that diverge (found in review)", () => {
    const cwd = fixture.project();
    expect(runHook("sessionStart", cwd, {}).status).toBe(0);
    const where = spawnSync(venvPython, ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(join(plugin, "templates"))}); import ml_utils; print(ml_utils.mlops_dir()); print(ml_utils.promote_model("model_random_forest"))`], { cwd, encoding: "utf8" });
    expect(where.status, where.stderr).toBe(0);
    expect(where.stdout.split("\n")[0]).toBe("mlops");
    expect(readFileSync(join(cwd, "mlops", "model-registry.json"), "utf8")).toMatch(/"model_id": "model_random_forest"[^\n]*"status": "champion"/);
  });
});

describe("the guard hooks with Cursor's input and answers", () => {
  it("preToolUse: a write that breaks the registry is denied (JSON decision and exit 2); a valid one passes", () => {
    const cwd = fixture.project();
    const file = join(cwd, "mlops", "model-registry.json");
    const good = readFileSync(file, "utf8");
    const denied = runHook("preToolUse", cwd, { tool_name: "Write", tool_input: { file_path: file, content: good.replace(/"rmse": [0-9.]+/, '"rmse": "low"') } });
    expect(denied.status).toBe(2);
    expect(JSON.parse(denied.stdout)).toMatchObject({ permission: "deny", agent_message: expect.stringContaining("metric metrics.rmse must be a number") });
    const allowed = runHook("preToolUse", cwd, { tool_name: "Write", tool_input: { file_path: file, content: good.replace('"name": "ridge"', '"name": "ridge v2"') } });
    expect(allowed).toMatchObject({ status: 0, stdout: "" });
  });

  it("subagentStop: an agent without its report gets a follow-up message naming what is missing", () => {
    const cwd = fixture.project();
    const told = runHook("subagentStop", cwd, { subagent_type: "eda-analyst" });
    expect(told.status).toBe(0);
    expect(JSON.parse(told.stdout).followup_message).toContain("eda-analyst is finishing without a complete report on the report bus: there is no report");
    expect(existsSync(join(cwd, "reports"))).toBe(false);
  });
});

describe("/ml-automation:registry in Cursor, its step run as the model runs it", () => {
  /** The command line cursor/commands/registry.md tells the model to run, with `args` each in single quotes. */
  function registryStep(args: string[]): string {
    const text = readFileSync(join(plugin, "cursor", "commands", "registry.md"), "utf8");
    const command = /Run `(python3 \.cursor\/ml_automation\.py [^`]*)` from the project root, followed by the arguments/.exec(text)?.[1];
    if (!command) throw new Error(`no runtime step in cursor/commands/registry.md:\n${text}`);
    return [command, ...args.map((arg) => `'${arg}'`)].join(" ");
  }

  it("repair only shows what it would do, as the command says (the damaged file stays as it was)", () => {
    const cwd = fixture.project();
    expect(runHook("sessionStart", cwd, {}).status).toBe(0);
    const registry = join(cwd, "mlops", "model-registry.json");
    writeFileSync(registry, readFileSync(registry, "utf8").slice(0, -40));
    const before = readFileSync(registry);
    const shown = spawnSync("sh", ["-c", registryStep(["repair"])], { cwd, encoding: "utf8" });
    expect(shown.stdout).toContain("only shows what it would do");
    expect(shown.stdout).toContain("Dry run, nothing changed");
    expect(readFileSync(registry)).toEqual(before);
    expect(readdirSync(join(cwd, "mlops")).filter((name) => name.includes(".damaged-"))).toEqual([]);
    const views = spawnSync("sh", ["-c", registryStep(["models"])], { cwd, encoding: "utf8" });
    const direct = spawnSync("python3", [join(plugin, "templates", "ml_automation.py"), "registry", "models"], { cwd, encoding: "utf8" });
    expect(views.stdout).toBe(direct.stdout);
  });
});
