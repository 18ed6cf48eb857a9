/**
 * Review finding (test strength): "hooks never block on their own failure" was tested only with no
 * Python on PATH, where Claude Code itself lets the call through (exit 127 is not a block), so a hook
 * that blocked on its own crash passed every suite (checked by mutation: both scripts changed to block
 * in their `except` branch, 17/17 tests of hooks-in-client, cursor-bundle and hook-handlers passed).
 * Here the hooks run and crash (the plugin's ml_utils.py does not compile): both must let the call
 * through. Passes today; fails if either script blocks on its own failure.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runClaude } from "./harness/claude.ts";
import { toolUse } from "./harness/stand-in.ts";
import { toolResults, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

// The runtime the hooks import, damaged after the project was filled with it, before the install.
const fixture = useClientFixture({
  before: ({ plugin }) => {
    const runtime = join(plugin, "templates", "ml_utils.py");
    writeFileSync(runtime, `${readFileSync(runtime, "utf8")}\ndef broken(:\n`);
  },
});

it("a registry guard that crashes lets the write through", async () => {
  const cwd = fixture.project();
  const file = join(cwd, "mlops", "model-registry.json");
  const broken = readFileSync(file, "utf8").replace(/"rmse": [0-9.]+/, '"rmse": "low"');
  const main = [toolUse("Read", { file_path: file }), toolUse("Write", { file_path: file, content: broken }), "Done."];
  const run = await runClaude({ home: fixture.home, cwd, prompt: "Update the registry file.", main, args: ["--permission-mode", "acceptEdits", "--allowedTools", "Read", "Write"] });
  expect(run.unanswered).toEqual([]);
  const results = run.conversation("main").flatMap((request) => toolResults(request.body));
  expect(results).toHaveLength(2);
  expect(results[1]!.isError, results[1]!.text).toBe(false);
  expect(readFileSync(file, "utf8")).toBe(broken);
});

it("a report check that crashes lets the agent stop, saying nothing to it", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "mla-failopen-report-"));
  try {
    const run = await runClaude({
      home: fixture.home,
      cwd,
      prompt: "Profile the data.",
      main: [toolUse("Agent", { subagent_type: "ml-automation:eda-analyst", description: "profile", prompt: "Profile data/sales.csv." }), "Done."],
      agents: { "ml-automation:eda-analyst": ["Profiled the data."] },
    });
    expect(run.status).toBe(0);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
    expect(run.requests.some((request) => userText(request.body).includes("ml-automation report check"))).toBe(false);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
