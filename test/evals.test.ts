/**
 * The plugin's eval cases (evals/, shipped in the bundle for `claude plugin eval`): every case loads
 * in the real client's `claude plugin eval`, and every case whose graders need no model is run by the
 * harness against the scripted stand-in, as a competent model would go about it, and passes; with the
 * registry guard taken out, the guard case fails (its graders can fail).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { currentRelease } from "../generator/releases/index.ts";
import { runClaude as runClaudeSync } from "../scripts/claude-cli.ts";
import { installBundle, runClaude } from "./harness/claude.ts";
import { caseFolders, filesBelow, judge, loadCase, scaffold, type EvalCase, type Verdict } from "./harness/eval-case.ts";
import { useClientFixture } from "./harness/fixtures.ts";
import { toolUse, type Script } from "./harness/stand-in.ts";
import { toolResults } from "./harness/transcript.ts";

const fixture = useClientFixture({ fill: false });
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** What the scripted model does in each case the harness runs (its main conversation). */
const SCRIPTS: Record<string, (project: string) => Script> = {
  "registry-champion-question": () => ({
    main: [
      toolUse("Bash", { command: "ml-automation registry models --champion", description: "the registry's champion" }),
      (request) => {
        const shown = toolResults(request).map((result) => result.text).join("\n");
        const champion = /Champion: (\S+)/.exec(shown)?.[1] ?? "(not shown)";
        const rmse = /Primary metric: rmse \([^)]*\) ([\d.]+)/.exec(shown)?.[1] ?? "(not shown)";
        return `The champion is ${champion}, with a test RMSE of ${rmse}.`;
      },
    ],
  }),
  "hand-written-registry-write-refused": (project) => {
    const file = join(project, "mlops", "model-registry.json");
    return {
      main: [
        toolUse("Read", { file_path: file }),
        toolUse("Edit", { file_path: file, old_string: '"rmse": 0.41', new_string: '"rmse": "low"' }),
        (request) => (toolResults(request).some((result) => result.isError) ? `The edit was refused: ${toolResults(request)[0]?.text.split("\n")[0]}` : "Changed."),
      ],
    };
  },
};

/** Runs `evalCase` against the stand-in with the plugin installed in `home`; returns each grader's verdict. */
async function runCase(evalCase: EvalCase, home: string): Promise<Verdict[]> {
  const project = mkdtempSync(join(tmpdir(), `mla-eval-${evalCase.name}-`));
  made.push(project);
  scaffold(evalCase, project);
  const before = filesBelow(project);
  const script = SCRIPTS[evalCase.name];
  if (!script) throw new Error(`no scripted run for the case ${evalCase.name}`);
  const run = await runClaude({
    home,
    cwd: project,
    prompt: evalCase.prompt,
    ...script(project),
    args: ["--max-turns", String(evalCase.maxTurns), "--allowedTools", ...evalCase.allowedTools],
  });
  expect(run.timedOut).toBe(false);
  expect(run.unanswered).toEqual([]);
  return evalCase.graders.map((grader) => judge(grader, { run, project, before }));
}

describe("the eval cases (evals/)", () => {
  it("are three, each with a scaffold, graders of kinds the client knows, and a scripted run when no grader needs a model", () => {
    const loaded = caseFolders(join(fixture.plugin, "evals")).map(loadCase);
    expect(loaded.map((evalCase) => evalCase.name).sort()).toEqual(["coldstart-records-champion", "hand-written-registry-write-refused", "registry-champion-question"]);
    for (const evalCase of loaded) {
      expect(evalCase.scaffold).toBe("scaffold.sh");
      expect(evalCase.scriptable, evalCase.name).toBe(evalCase.name in SCRIPTS);
    }
  });

  it("load in `claude plugin eval`, which names a case it cannot load (the check can fail)", () => {
    const home = mkdtempSync(join(tmpdir(), "mla-eval-home-"));
    made.push(home);
    const load = (plugin: string) =>
      runClaudeSync(["plugin", "eval", plugin, "--runs", "1", "--ablation", "none", "--no-publish", "--trust-plugin", "--max-cost-usd", "0", "--allow-tools", "Bash", "Read", "Write", "Edit", "Glob", "Grep", "Agent", "Skill"], home, { ANTHROPIC_API_KEY: "sk-ant-stand-in-dummy" });
    const sound = load(fixture.plugin);
    expect(sound.output).toContain(`Plugin under test: "ml-automation" version "${currentRelease.version}"`);
    expect(sound.output).not.toMatch(/✗|Couldn't load|invalid case/);
    const broken = join(mkdtempSync(join(tmpdir(), "mla-eval-broken-")), "ml-automation");
    made.push(join(broken, ".."));
    cpSync(fixture.plugin, broken, { recursive: true });
    const file = join(broken, "evals", "registry-champion-question", "case.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("target: trace", "target: transcript"));
    const refused = load(broken);
    expect(refused.output).toMatch(/✗ .*registry-champion-question\/case\.yaml: invalid case\.yaml/);
    expect(refused.output).toContain("Couldn't load 1 case file");
  });

  const scripted = () => caseFolders(join(fixture.plugin, "evals")).map(loadCase).filter((evalCase) => evalCase.scriptable);

  it("whose graders need no model pass against the scripted stand-in", async () => {
    const verdicts = [];
    for (const evalCase of scripted()) verdicts.push(...(await runCase(evalCase, fixture.home)).map((verdict) => ({ case: evalCase.name, ...verdict })));
    expect(verdicts.length).toBeGreaterThanOrEqual(6);
    expect(verdicts.filter((verdict) => !verdict.passed)).toEqual([]);
  });

  it("fail the guard case when the plugin has no registry guard", async () => {
    const bare = join(mkdtempSync(join(tmpdir(), "mla-eval-noguard-")), "dist");
    made.push(join(bare, ".."));
    cpSync(fixture.bundle, bare, { recursive: true });
    const hooks = join(bare, "ml-automation", "hooks", "hooks.json");
    const data = JSON.parse(readFileSync(hooks, "utf8")) as { hooks: Record<string, unknown> };
    delete data.hooks.PreToolUse;
    writeFileSync(hooks, JSON.stringify(data, null, 2));
    const home = installBundle(bare);
    made.push(home);
    const guardCase = scripted().find((evalCase) => evalCase.name === "hand-written-registry-write-refused")!;
    const failed = (await runCase(guardCase, home)).filter((verdict) => !verdict.passed).map((verdict) => verdict.name);
    expect(failed.sort()).toEqual(["guard-refused", "registry-unchanged"]);
  });
});
