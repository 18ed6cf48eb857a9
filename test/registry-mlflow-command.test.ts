/**
 * /registry's MLflow forms in the real Claude Code CLI: `sync` and `--from mlflow` reach
 * the runtime through the editor mode, and their errors (the mirror switched off, MLflow's client not
 * installed) reach the model with the command's guidance. (The CLI runs in a loopback-only network
 * namespace of its own, so a tracking server outside it cannot be reached from there: the forms
 * against a real server are tested in test/python/test_mlflow_mirror.py.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installBundle, runClaude } from "./harness/claude.ts";
import { userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture({ fill: false });
let project: string;
/** A PYTHONPATH folder whose `mlflow` cannot be imported, as where MLflow is not installed (whatever python3 has). */
let noMlflow: string;

beforeAll(() => {
  project = fixture.project();
  mkdirSync(join(project, ".claude"));
  noMlflow = mkdtempSync(join(tmpdir(), "mla-no-mlflow-"));
  mkdirSync(join(noMlflow, "mlflow"));
  writeFileSync(join(noMlflow, "mlflow", "__init__.py"), 'raise ImportError("No module named \'mlflow\'")\n');
});

afterAll(() => rmSync(noMlflow, { recursive: true, force: true }));

async function viaEditor(args: string, env: Record<string, string> = {}, home = fixture.home) {
  const run = await runClaude({ home, cwd: project, prompt: `/registry ${args}`, main: ["ok"], env });
  expect(run.timedOut).toBe(false);
  const [first] = run.conversation("main");
  expect(first, `the CLI sent nothing to the model:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  return userText(first!.body);
}

describe("the MLflow forms of /registry", () => {
  it("sync with the mirror off: the model is told which variable to set", async () => {
    const received = await viaEditor("sync", { MLFLOW_TRACKING_URI: "", ML_AUTOMATION_MLFLOW_URI: "" });
    expect(received).toContain("the MLflow mirror is off (MLFLOW_TRACKING_URI is not set): set MLFLOW_TRACKING_URI");
    expect(received).toMatch(/exited with status 1/);
    expect(received).toContain("**MLflow errors**");
  });

  it("--from mlflow where MLflow's client is not installed: the model is told what to install", async () => {
    const received = await viaEditor("models --from mlflow", { MLFLOW_TRACKING_URI: "http://127.0.0.1:9", PYTHONPATH: noMlflow });
    expect(received).toContain("MLflow's client cannot be imported");
    expect(received).toContain("pip install mlflow-skinny");
    expect(received).toMatch(/exited with status 1/);
  });
});

describe("the team-server settings set as the plugin's options (claude plugin install --config, configure)", () => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((home) => rmSync(home, { recursive: true, force: true })));
  const configured = (config: Record<string, string>) => {
    homes.push(installBundle(fixture.bundle, "ml-automation", config));
    return homes.at(-1)!;
  };
  // MLFLOW_TRACKING_URI and the plugin's own variables unset where the CLI runs: only the options speak.
  const clean = { MLFLOW_TRACKING_URI: "", ML_AUTOMATION_MLFLOW_URI: "", ML_AUTOMATION_MLFLOW_PROJECT: "", PYTHONPATH: "" };

  it("mlflow_uri switches the mirror on for the session's commands", async () => {
    const home = configured({ mlflow_uri: "http://127.0.0.1:9", mlflow_project: "team-churn" });
    const received = await viaEditor("models --from mlflow", { ...clean, PYTHONPATH: noMlflow }, home);
    expect(received).toContain("the MLflow mirror is on (ML_AUTOMATION_MLFLOW_URI=http://127.0.0.1:9) but MLflow's client cannot be imported");
  });

  it("mlflow_mirror=false keeps the registry local although MLFLOW_TRACKING_URI is set", async () => {
    const home = configured({ mlflow_uri: "http://127.0.0.1:9", mlflow_mirror: "false" });
    const received = await viaEditor("sync", { ...clean, MLFLOW_TRACKING_URI: "http://127.0.0.1:9" }, home);
    expect(received).toContain("the MLflow mirror is off (ML_AUTOMATION_MLFLOW_URI=off)");
  });

  it("an environment variable still wins over the option", async () => {
    const home = configured({ mlflow_uri: "http://127.0.0.1:9" });
    const received = await viaEditor("models --from mlflow", { ...clean, ML_AUTOMATION_MLFLOW_URI: "http://127.0.0.1:8", PYTHONPATH: noMlflow }, home);
    expect(received).toContain("(ML_AUTOMATION_MLFLOW_URI=http://127.0.0.1:8)");
  });
});
