/**
 * /ml-automation:registry's MLflow forms in the real Claude Code CLI: `sync` and `--from mlflow` reach
 * the runtime through the editor mode, and their errors (the mirror switched off, MLflow's client not
 * installed) reach the model with the command's guidance. (The CLI runs in a loopback-only network
 * namespace of its own, so a tracking server outside it cannot be reached from there: the forms
 * against a real server are tested in test/python/test_mlflow_mirror.py.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runClaude } from "./harness/claude.ts";
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

async function viaEditor(args: string, env: Record<string, string> = {}) {
  const run = await runClaude({ home: fixture.home, cwd: project, prompt: `/ml-automation:registry ${args}`, main: ["ok"], env });
  expect(run.timedOut).toBe(false);
  const [first] = run.conversation("main");
  expect(first, `the CLI sent nothing to the model:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  return userText(first!.body);
}

describe("the MLflow forms of /ml-automation:registry", () => {
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
