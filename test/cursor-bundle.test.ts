/**
 * The bundle as Cursor uses it. No Cursor client runs here, so each step Cursor takes is taken the
 * documented way: the manifest is read, its hooks file's commands are run with ${CURSOR_PLUGIN_ROOT}
 * set to the plugin folder, in the project folder, with Cursor-shaped JSON on stdin, and the skills'
 * instructions are run as the model would run them.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJsonFile } from "../generator/json-file.ts";
import { TYPED_ARGUMENTS } from "../generator/platforms/cursor.ts";
import { checkCursorManifest } from "../scripts/verify/cursor-checks.ts";
import { checkCursorFiles } from "../scripts/verify/cursor-file-checks.ts";
import { useClientFixture } from "./harness/fixtures.ts";
import { venvPython } from "./harness/project.ts";
import { tempDir } from "./helpers.ts";

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
  it("follows Cursor's manifest rules, and its skills, agents and hooks hold nothing Cursor cannot use", () => {
    const manifest = parseJsonFile(".cursor-plugin/plugin.json", readFileSync(join(plugin, ".cursor-plugin", "plugin.json"), "utf8"));
    expect(manifest.data).toMatchObject({ skills: "cursor/skills/", agents: "cursor/agents/", hooks: "cursor/hooks.json" });
    // One Cursor skill per workflow: no commands of the same names.
    expect(manifest.data.commands).toBeUndefined();
    expect(existsSync(join(plugin, "cursor", "commands"))).toBe(false);
    expect(readdirSync(join(plugin, "cursor", "skills")).sort()).toEqual(["deploy", "eda", "evaluate", "preprocess", "registry", "report", "status", "team-analyze", "team-coldstart", "team-review", "test", "train"]);
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
    const where = spawnSync(venvPython, ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(join(plugin, "templates"))}); import ml_utils; print(ml_utils.mlops_dir()); print(ml_utils.promote_model("model_random_forest", override_reason="where the registry is written"))`], { cwd, encoding: "utf8" });
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
    const added = good.replace(/\}\n {2}\]\n\}\n$/, '},\n    {"model_id": "ridge_by_hand", "task_type": "regression", "metrics": {"rmse": 60.0, "mae": 50.0, "r2": 0.3}}\n  ]\n}\n');
    expect(added).toContain("ridge_by_hand");
    const allowed = runHook("preToolUse", cwd, { tool_name: "Write", tool_input: { file_path: file, content: added } });
    expect(allowed).toMatchObject({ status: 0, stdout: "" });
    // A write that changes a recorded model is denied, naming it.
    const renamed = runHook("preToolUse", cwd, { tool_name: "Write", tool_input: { file_path: file, content: good.replace('"name": "ridge"', '"name": "ridge v2"') } });
    expect(renamed.status).toBe(2);
    expect(JSON.parse(renamed.stdout).agent_message).toMatch(/this write changes model_id '[^']+', recorded by the runtime/);
  });

  it("subagentStop: an agent without its report gets a follow-up message naming what is missing", () => {
    const cwd = fixture.project();
    const told = runHook("subagentStop", cwd, { subagent_type: "eda-analyst" });
    expect(told.status).toBe(0);
    expect(JSON.parse(told.stdout).followup_message).toContain("eda-analyst is finishing without a complete report on the report bus: there is no report");
    expect(existsSync(join(cwd, "reports"))).toBe(false);
  });
});

/** A fenced bash block of a Cursor skill, found by a line it holds. */
function bashBlock(skill: string, holding: string): string {
  const text = readFileSync(join(plugin, "cursor", "skills", skill, "SKILL.md"), "utf8");
  const block = [...text.matchAll(/```bash\n([\s\S]*?)\n```/g)].map((match) => match[1] ?? "").find((code) => code.includes(holding));
  if (!block) throw new Error(`no bash block holding ${holding} in cursor/skills/${skill}/SKILL.md:\n${text}`);
  return block;
}

describe("/registry in Cursor, its step run as the model runs it", () => {
  /** The registry step of cursor/skills/registry/SKILL.md with the arguments pasted as typed, as the skill says. */
  function registryStep(typed: string): string {
    const block = bashBlock("registry", "--editor registry");
    expect(block.split("\n")).toContain(TYPED_ARGUMENTS);
    return block.replace(TYPED_ARGUMENTS, typed);
  }

  it("repair only shows what it would do, as the skill says (the damaged file stays as it was)", () => {
    const cwd = fixture.project();
    expect(runHook("sessionStart", cwd, {}).status).toBe(0);
    const registry = join(cwd, "mlops", "model-registry.json");
    writeFileSync(registry, readFileSync(registry, "utf8").slice(0, -40));
    const before = readFileSync(registry);
    const shown = spawnSync("sh", ["-c", registryStep("repair")], { cwd, encoding: "utf8" });
    expect(shown.stdout).toContain("only shows what it would do");
    expect(shown.stdout).toContain("Dry run, nothing changed");
    expect(readFileSync(registry)).toEqual(before);
    expect(readdirSync(join(cwd, "mlops")).filter((name) => name.includes(".damaged-"))).toEqual([]);
    // The same view as in a terminal, but for what to run, named as it works in the editor; its status (3: damaged) is named on
    // the last line, since the model sees no exit status.
    const views = spawnSync("sh", ["-c", registryStep("models")], { cwd, encoding: "utf8" });
    const direct = spawnSync("python3", [join(plugin, "templates", "ml_automation.py"), "registry", "models"], { cwd, encoding: "utf8" });
    expect(direct.status).toBe(3);
    const advice = /^What follows was read from the intact entries\. .*$/m;
    expect(views.stdout.replace(advice, "")).toBe(`${direct.stderr}${direct.stdout.replace(advice, "")}\n(/registry exited with status 3)\n`);
    expect(advice.exec(views.stdout)?.[0]).toContain("/registry repair shows how it would be rebuilt; to rebuild it, ask the assistant to run `python3 .cursor/ml_automation.py registry repair`.");
  });

  it("the launcher splits the arguments as typed: quotes keep a value whole, and ; && $( ) ` run nothing", () => {
    const cwd = fixture.project();
    expect(runHook("sessionStart", cwd, {}).status).toBe(0);
    const quoted = spawnSync("sh", ["-c", registryStep("lineage 'no such model'")], { cwd, encoding: "utf8" });
    expect(quoted.status).toBe(0);
    expect(quoted.stdout).toContain("no such model");
    for (const typed of ["models; touch PWNED", "models && touch PWNED", "models $(touch PWNED)", "models `touch PWNED`", "models | touch PWNED"]) {
      const run = spawnSync("sh", ["-c", registryStep(typed)], { cwd, encoding: "utf8" });
      expect(run.status, typed).toBe(0);
      expect(existsSync(join(cwd, "PWNED")), typed).toBe(false);
    }
    const none = spawnSync("sh", ["-c", registryStep("")], { cwd, encoding: "utf8" });
    const summary = spawnSync("python3", [join(plugin, "templates", "ml_automation.py"), "registry"], { cwd, encoding: "utf8" });
    expect(none.stdout).toBe(summary.stdout);
  });
});

describe("a Cursor skill whose launcher is missing", () => {
  it("says how to write it: the plugin's own hook script, found where Cursor installed the plugin; the workflow then runs", () => {
    const cwd = fixture.project();
    const home = tempDir("mla-cursor-home-");
    const installed = join(home, ".cursor", "plugins", "cache", "local", "ml-automation", "1.3.0");
    mkdirSync(join(installed, ".."), { recursive: true });
    cpSync(plugin, installed, { recursive: true });
    const recovery = bashBlock("registry", "session_start.py");
    expect(readFileSync(join(plugin, "cursor", "skills", "registry", "SKILL.md"), "utf8")).toMatch(/\*\*If `\.cursor\/ml_automation\.py` is missing\*\*/);
    const written = spawnSync("sh", ["-c", recovery], { cwd, encoding: "utf8", env: { ...process.env, HOME: home } });
    expect(written.status, written.stderr).toBe(0);
    const launched = spawnSync("python3", [".cursor/ml_automation.py", "--plugin-root"], { cwd, encoding: "utf8" });
    expect(launched.stdout.trim()).toBe(installed);
    const views = spawnSync("sh", ["-c", bashBlock("registry", "--editor registry").replace(TYPED_ARGUMENTS, "models")], { cwd, encoding: "utf8" });
    expect(views.stdout).toContain("model_random_forest");
    rmSync(home, { recursive: true, force: true });
  });

  it("fails without writing anything when the plugin is not under ~/.cursor, so the model asks for a new chat as told", () => {
    const cwd = fixture.project();
    const home = tempDir("mla-cursor-home-");
    const failed = spawnSync("sh", ["-c", bashBlock("eda", "session_start.py")], { cwd, encoding: "utf8", env: { ...process.env, HOME: home } });
    expect(failed.status).not.toBe(0);
    expect(existsSync(join(cwd, ".cursor", "ml_automation.py"))).toBe(false);
    expect(readFileSync(join(plugin, "cursor", "skills", "eda", "SKILL.md"), "utf8")).toContain("ask the person to start a new chat");
    rmSync(home, { recursive: true, force: true });
  });
});

describe("Cursor's agents keep what it can express of their tool limits", () => {
  it("an agent whose tools write no file is read-only; one that writes is not", () => {
    const frontmatter = (agent: string) => /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(plugin, "cursor", "agents", `${agent}.md`), "utf8"))?.[1] ?? "";
    for (const agent of ["brutal-code-reviewer", "ml-theory-advisor", "pr-approver", "assigner"]) expect(frontmatter(agent), agent).toContain("readonly: true");
    for (const agent of ["developer", "eda-analyst", "mlops-engineer", "orchestrator"]) expect(frontmatter(agent), agent).not.toContain("readonly");
  });
});
