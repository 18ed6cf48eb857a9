/**
 * Ways a model's hand-made change could reach a registry file in the real Claude Code CLI past the
 * registry guard (PreToolUse): an Edit in curly quotes, an Edit creating a file, a write after `cd`.
 * Each is checked now. Found in review.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runClaude } from "./harness/claude.ts";
import { toolUse, type Turn } from "./harness/stand-in.ts";
import { toolResults } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture();
const EDIT_ARGS = ["--permission-mode", "acceptEdits", "--allowedTools", "Read", "Write", "Edit", "Bash(cd:*)", "Bash(pwd)"];

/** Exit status and output of `registry` run by the runtime in `cwd` (3: a damaged registry file). */
function registryStatus(cwd: string) {
  const result = spawnSync("python3", [join(fixture.plugin, "templates", "ml_automation.py"), "registry"], { cwd, encoding: "utf8" });
  return { status: result.status, output: result.stdout + result.stderr };
}

async function run(cwd: string, main: Turn[]) {
  const outcome = await runClaude({ home: fixture.home, cwd, prompt: "Update the registry.", main, args: EDIT_ARGS });
  expect(outcome.timedOut).toBe(false);
  expect(outcome.unanswered).toEqual([]);
  return outcome.conversation("main").flatMap((request) => toolResults(request.body));
}

describe("writes that reach a registry file unchecked", () => {
  it("an Edit written with curly quotes (Claude Code's Edit matches it to the file's straight quotes) is checked, not let through to damage the file", async () => {
    const cwd = fixture.project();
    const file = join(cwd, "mlops", "model-registry.json");
    const before = readFileSync(file, "utf8");
    const results = await run(cwd, [
      toolUse("Read", { file_path: file }),
      toolUse("Edit", { file_path: file, old_string: "\u201cname\u201d: \u201cridge\u201d", new_string: "\u201cname\u201d: \u201cridge v2\u201d" }),
      "Done.",
    ]);
    expect(results).toHaveLength(2);
    const after = readFileSync(file, "utf8");
    expect(registryStatus(cwd).status, registryStatus(cwd).output).toBe(0);
    expect(after === before || results[1]!.isError).toBe(true);
  });

  it("an Edit with an empty old_string that creates a new registry file is checked like a Write", async () => {
    const cwd = fixture.project();
    const file = join(cwd, "mlops", "experiments", "exp_hand.json");
    const results = await run(cwd, [
      toolUse("Edit", { file_path: file, old_string: "", new_string: '{"experiment_id": "exp_hand", "metrics": "great"' }),
      "Done.",
    ]);
    expect(results).toHaveLength(1);
    expect(results[0]!.isError, results[0]!.text).toBe(true);
    expect(results[0]!.text).toContain("ml-automation registry guard: refused");
    expect(existsSync(file)).toBe(false);
  });

  it("a broken Write to the project's registry is refused after the model has `cd`-ed into a sub-folder", async () => {
    const cwd = fixture.project();
    mkdirSync(join(cwd, "notebooks"));
    const file = join(cwd, "mlops", "model-registry.json");
    const before = readFileSync(file, "utf8");
    const broken = before.replace(/"rmse": [0-9.]+/, '"rmse": "low"');
    const results = await run(cwd, [
      toolUse("Bash", { command: "cd notebooks", description: "go to the notebooks" }),
      toolUse("Read", { file_path: file }),
      toolUse("Write", { file_path: file, content: broken }),
      "Done.",
    ]);
    expect(results).toHaveLength(3);
    expect(results[2]!.isError, results[2]!.text).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(before);
  });
});
