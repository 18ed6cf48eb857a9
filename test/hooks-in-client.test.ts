/**
 * The plugin's hooks in the real Claude Code CLI: the registry guard refuses a hand-made write that
 * would break a registry file and lets a valid one through; the report check tells a plugin agent that
 * stops without its report, or with one the bus cannot read, what is missing; without Python both let everything through; and the hooks
 * add nothing to what every request costs.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runClaude, type RunResult } from "./harness/claude.ts";
import { measureContextCost } from "./harness/context-cost.ts";
import { pathWithout, pathWithVenv } from "./harness/project.ts";
import { toolUse, type ReplyBlock } from "./harness/stand-in.ts";
import { lastUserBlocks, systemText, toolResults, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture();

/** A fresh copy of the filled project and its model registry file (both removed after the suite). */
function filledProject() {
  const cwd = fixture.project();
  return { cwd, file: join(cwd, "mlops", "model-registry.json") };
}

const EDIT_ARGS = ["--permission-mode", "acceptEdits", "--allowedTools", "Read", "Write", "Edit", "Bash(ml-automation:*)", "Bash(python3:*)"];

/** Reads `file`, then runs `change` (a Write or an Edit of it); returns the result of the change and the run. */
async function changeFile(cwd: string, file: string, change: ReplyBlock[], env?: Record<string, string>) {
  const run = await runClaude({ home: fixture.home, cwd, prompt: "Update the registry file.", main: [toolUse("Read", { file_path: file }), change, "Done."], args: EDIT_ARGS, env });
  expect(run.unanswered).toEqual([]);
  const results = run.conversation("main").flatMap((request) => toolResults(request.body));
  expect(results, `${run.stdout}\n${run.stderr}`).toHaveLength(2);
  return { run, change: results[1]! };
}

describe("the registry guard (PreToolUse on Write, Edit, MultiEdit)", () => {
  it("refuses a Write that breaks model-registry.json; the model is told why and what to use; the file is unchanged", async () => {
    const { cwd, file } = filledProject();
    const before = readFileSync(file);
    const broken = before.toString("utf8").replace(/"rmse": [0-9.]+/, '"rmse": "low"');
    expect(broken).not.toBe(before.toString("utf8"));
    const { change } = await changeFile(cwd, file, toolUse("Write", { file_path: file, content: broken }));
    expect(change.isError).toBe(true);
    expect(change.text).toContain("ml-automation registry guard: refused this write");
    expect(change.text).toMatch(/metric metrics\.rmse must be a number, got str 'low'/);
    expect(change.text).toContain("save_model_entry");
    expect(readFileSync(file)).toEqual(before);
  });

  it("refuses an Edit that leaves the file cut short", async () => {
    const { cwd, file } = filledProject();
    const before = readFileSync(file);
    const { change } = await changeFile(cwd, file, toolUse("Edit", { file_path: file, old_string: "\n  ]\n}", new_string: "" }));
    expect(change.isError).toBe(true);
    expect(change.text).toContain("ml-automation registry guard: refused");
    expect(readFileSync(file)).toEqual(before);
  });

  it("refuses a Write that keeps one model of several (a registry rewritten from memory), naming the others and the functions to use", async () => {
    const { cwd, file } = filledProject();
    const before = readFileSync(file);
    const registry = JSON.parse(before.toString("utf8")) as { models: Array<{ model_id: string }> };
    expect(registry.models.length).toBeGreaterThan(1);
    const kept = { ...registry, models: registry.models.slice(0, 1) };
    const { change } = await changeFile(cwd, file, toolUse("Write", { file_path: file, content: JSON.stringify(kept, null, 2) }));
    expect(change.isError).toBe(true);
    const dropped = registry.models.slice(1).map((model) => `'${model.model_id}'`);
    expect(change.text).toContain(`this write drops model_id ${dropped.join(", ")}, recorded by the runtime`);
    expect(change.text).toContain("promote_model(ID) makes it the champion, save_model_entry({'model_id': ID, 'status': 'archived'}) archives it");
    expect(readFileSync(file)).toEqual(before);
  });

  it("lets a valid Write through untouched, and any file that is not a registry file", async () => {
    const { cwd, file } = filledProject();
    const added = { model_id: "ridge_by_hand", task_type: "regression", metrics: { rmse: 60.0, mae: 50.0, r2: 0.3 } };
    const valid = readFileSync(file, "utf8").replace(/\}\n {2}\]\n\}\n$/, `},\n    ${JSON.stringify(added)}\n  ]\n}\n`);
    expect(valid).toContain("ridge_by_hand");
    const { change } = await changeFile(cwd, file, toolUse("Write", { file_path: file, content: valid }));
    expect(change.isError).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(valid);
    const notes = join(cwd, "mlops", "notes.json");
    writeFileSync(notes, "{}");
    const other = await changeFile(cwd, notes, toolUse("Write", { file_path: notes, content: "not json at all" }));
    expect(other.change.isError).toBe(false);
    expect(readFileSync(notes, "utf8")).toBe("not json at all");
  });

  it("without Python on PATH, lets the write through (the hook never blocks because of itself)", async () => {
    const { cwd, file } = filledProject();
    const broken = readFileSync(file, "utf8").replace(/"rmse": [0-9.]+/, '"rmse": "low"');
    const { run, change } = await changeFile(cwd, file, toolUse("Write", { file_path: file, content: broken }), { PATH: pathWithout(["python"]) });
    expect(run.status).toBe(0);
    expect(change.isError).toBe(false);
    expect(readFileSync(file, "utf8")).toBe(broken);
  });
});

describe("the registry guard's cost", () => {
  it("starts only for a write below a registry folder: other writes run no hook process", async () => {
    const { cwd, file } = filledProject();
    // A python3 that notes each script it runs, first on the PATH the CLI (and so its hooks) gets.
    const shims = mkdtempSync(join(tmpdir(), "mla-shim-"));
    const log = join(shims, "started.log");
    const real = spawnSync("sh", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(shims, "python3"), `#!/bin/sh\nprintf '%s\\n' "$1" >> "${log}"\nexec "${real}" "$@"\n`, { mode: 0o755 });
    try {
      const notes = join(cwd, "notes.json");
      const nested = join(cwd, "data", "params.json");
      writeFileSync(notes, "{}");
      const added = { model_id: "ridge_by_hand", task_type: "regression", metrics: { rmse: 60.0, mae: 50.0, r2: 0.3 } };
      const valid = readFileSync(file, "utf8").replace(/\}\n {2}\]\n\}\n$/, `},\n    ${JSON.stringify(added)}\n  ]\n}\n`);
      expect(valid).toContain("ridge_by_hand");
      const run = await runClaude({
        home: fixture.home,
        cwd,
        prompt: "Update the files.",
        main: [
          toolUse("Read", { file_path: notes }),
          toolUse("Write", { file_path: notes, content: '{"a": 1}' }),
          toolUse("Write", { file_path: nested, content: '{"b": 2}' }),
          toolUse("Edit", { file_path: notes, old_string: '"a": 1', new_string: '"a": 2' }),
          toolUse("Read", { file_path: file }),
          toolUse("Write", { file_path: file, content: valid }),
          "Done.",
        ],
        args: EDIT_ARGS,
        env: { PATH: `${shims}:${process.env.PATH ?? ""}` },
      });
      expect(run.unanswered).toEqual([]);
      expect(run.conversation("main").flatMap((request) => toolResults(request.body)).filter((result) => result.isError)).toEqual([]);
      expect(readFileSync(notes, "utf8")).toBe('{"a": 2}');
      const guards = readFileSync(log, "utf8").split("\n").filter((line) => line.endsWith("registry_guard.py"));
      expect(guards).toHaveLength(1); // the registry Write alone
    } finally {
      rmSync(shims, { recursive: true, force: true });
    }
  });
});

describe("the report check (SubagentStop)", () => {
  const empties: string[] = [];
  afterAll(() => empties.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  /** An empty project folder (removed after the suite). */
  const emptyProject = () => {
    empties.push(mkdtempSync(join(tmpdir(), "mla-report-")));
    return empties.at(-1)!;
  };
  const EDA = "ml-automation:eda-analyst";
  const spawn = toolUse("Agent", { subagent_type: EDA, description: "profile", prompt: "Profile data/sales.csv." });
  const save = 'ml-automation copy-runtime && python3 -c "from ml_utils import save_agent_report; save_agent_report(\'eda-analyst\', {\'status\': \'completed\', \'summary\': \'120 rows, no leakage\'})"';
  const CHECK = "ml-automation report check";
  /** The requests of `run`'s eda-analyst whose news (last user message) is the report check's message. */
  const toldBy = (run: RunResult) => run.conversation(EDA).filter((request) => lastUserBlocks(request.body).some((block) => JSON.stringify(block).includes(CHECK)));
  const anywhere = (run: RunResult) => run.requests.some((request) => userText(request.body).includes(CHECK));

  it("tells a plugin agent that stops without its report what is missing, and lets it stop once the report is saved", async () => {
    const cwd = emptyProject();
    const run = await runClaude({
      home: fixture.home,
      cwd,
      prompt: "Profile the data.",
      main: [spawn, "The EDA is done."],
      agents: { [EDA]: ["Profiled the data.", toolUse("Bash", { command: save, description: "save the report" }), "Report saved."] },
      args: EDIT_ARGS,
      env: { PATH: pathWithVenv() },
    });
    expect(run.status).toBe(0);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
    // The check's message reaches the agent once, when it first stops (later requests carry it as history).
    const told = toldBy(run);
    expect(told.map((request) => request.turn)).toEqual([1]);
    expect(userText(told[0]!.body)).toContain("eda-analyst is finishing without a complete report on the report bus: there is no report");
    expect(JSON.parse(readFileSync(join(cwd, "reports", "eda-analyst_report.json"), "utf8"))).toMatchObject({ status: "completed", summary: "120 rows, no leakage" });
  });

  it("says nothing to an agent that saved its report", async () => {
    const run = await runClaude({
      home: fixture.home,
      cwd: emptyProject(),
      prompt: "Profile the data.",
      main: [spawn, "The EDA is done."],
      agents: { [EDA]: [toolUse("Bash", { command: save, description: "save the report" }), "Profiled, report saved."] },
      args: EDIT_ARGS,
      env: { PATH: pathWithVenv() },
    });
    expect(run.status).toBe(0);
    expect(anywhere(run)).toBe(false);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
  });

  it("tells an agent whose report on the bus is not valid JSON so before it stops (found in review)", async () => {
    const cwd = emptyProject();
    mkdirSync(join(cwd, "reports"));
    writeFileSync(join(cwd, "reports", "eda-analyst_report.json"), '{"status": "completed", "summary": "120 rows"');
    const run = await runClaude({
      home: fixture.home,
      cwd,
      prompt: "Profile the data.",
      main: [spawn, "The EDA is done."],
      agents: { [EDA]: ["Profiled the data.", "Report fixed."] },
      args: ["--permission-mode", "acceptEdits"],
      env: { PATH: pathWithVenv() },
    });
    expect(run.timedOut).toBe(false);
    expect(toldBy(run).map((request) => request.turn)).toEqual([1]);
  });

  it("leaves the project's own agent of the same name as a plugin agent alone (.claude/agents/developer.md)", async () => {
    const cwd = emptyProject();
    mkdirSync(join(cwd, ".claude", "agents"), { recursive: true });
    writeFileSync(join(cwd, ".claude", "agents", "developer.md"), "---\nname: developer\ndescription: The team's own developer agent.\n---\n\nWrite the code asked for.\n");
    const run = await runClaude({
      home: fixture.home,
      cwd,
      prompt: "Write hello.py.",
      main: [toolUse("Agent", { subagent_type: "developer", description: "code", prompt: "Write hello.py." }), "Done."],
      agents: { developer: ["Wrote it."] },
      env: { PATH: pathWithVenv() },
    });
    expect(run.status).toBe(0);
    const developer = run.conversation("developer");
    expect(developer.length, `${run.stdout}\n${run.stderr}`).toBeGreaterThan(0);
    expect(systemText(developer[0]!.body)).toContain("Write the code asked for.");
    expect(anywhere(run)).toBe(false);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
  });

  it("without Python on PATH, lets the agent stop", async () => {
    const run = await runClaude({
      home: fixture.home,
      cwd: emptyProject(),
      prompt: "Profile the data.",
      main: [spawn, "Done."],
      agents: { [EDA]: ["Profiled the data."] },
      env: { PATH: pathWithout(["python"]) },
    });
    expect(run.status).toBe(0);
    expect(anywhere(run)).toBe(false);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
  });
});

describe("what the hooks cost", () => {
  it("nothing: the plugin adds the same characters to a request with its hooks as without them", async () => {
    const withHooks = await measureContextCost(fixture.bundle);
    const bare = join(mkdtempSync(join(tmpdir(), "mla-nohooks-")), "dist");
    cpSync(fixture.bundle, bare, { recursive: true });
    rmSync(join(bare, "ml-automation", "hooks"), { recursive: true, force: true });
    const withoutHooks = await measureContextCost(bare);
    expect(withHooks.added).toBe(withoutHooks.added);
    rmSync(join(bare, ".."), { recursive: true, force: true });
  });
});
