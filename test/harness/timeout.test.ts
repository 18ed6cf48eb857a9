/**
 * A run past its time bound: runClaude kills the whole process group (the launcher and the CLI) and
 * returns at the bound, leaving no CLI running and retrying the API. Found in review.
 */
import { readdirSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { runClaude } from "./claude.ts";
import { useClientFixture } from "./fixtures.ts";

const fixture = useClientFixture({ fill: false });

/** Pids of processes whose command line holds `marker` (the ones this test started). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8").includes(marker)) found.push(Number(name));
    } catch {
      // gone already
    }
  }
  return found;
}

it.skipIf(process.platform !== "linux")("a run that outlives timeoutMs returns soon after it, and leaves no CLI running", async () => {
  const marker = `review-timeout-${randomBytes(4).toString("hex")}`;
  const started = Date.now();
  const run = runClaude({
    home: fixture.home,
    cwd: fixture.project(),
    prompt: `Wait (${marker}).`,
    // A command that runs for a minute (2.1.332's Bash tool refuses a plain `sleep 60` outright).
    main: [[{ type: "tool_use", name: "Bash", input: { command: "python3 -c 'import time; time.sleep(60)'", description: "wait" } }], "Done."],
    args: ["--allowedTools", "Bash(python3:*)"],
    timeoutMs: 3_000,
  });
  const outcome = await Promise.race([run.then((result) => ({ result, elapsed: Date.now() - started })), new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
  // A killed process may take a moment to be gone under load.
  let left = processesWith(marker);
  for (let waited = 0; left.length && waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesWith(marker);
  }
  for (const pid of left) process.kill(pid, "SIGKILL"); // clean up what this test started
  await run.catch(() => undefined);
  expect(outcome, "runClaude had not returned 17 s after its 3 s bound").not.toBeNull();
  expect(outcome!.result.timedOut).toBe(true);
  expect(left, "CLI processes left running after the bound").toEqual([]);
}, 60_000);
