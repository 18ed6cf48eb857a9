/**
 * Review findings: /ml-automation:registry arguments that Claude Code's own permission check refuses
 * in the `!` line (a carriage return, Unicode whitespace, very long text). The CLI then prints
 * "Shell command permission check failed" to its event stream only, sends nothing to the model and
 * exits 0 with empty output: the user gets silence, not the usage text. Each test fails today.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installBundle, runClaude } from "./harness/claude.ts";
import { buildBundle, runPython } from "./harness/project.ts";
import { userText } from "./harness/transcript.ts";
import { repoRoot } from "./helpers.ts";

let bundle: string;
let home: string;
let project: string;

beforeAll(() => {
  bundle = buildBundle();
  home = installBundle(bundle);
  project = mkdtempSync(join(tmpdir(), "mla-args-"));
  runPython([join(repoRoot, "test", "fixtures", "registry_flow.py"), join(bundle, "ml-automation", "templates")], project);
});

afterAll(() => {
  for (const dir of [home, project, join(bundle, "..")]) rmSync(dir, { recursive: true, force: true });
});

describe("review: every argument text reaches the model as a view or an error", () => {
  it.each([
    ["CRLF line ends (text pasted from Windows)", "models\r\n--champion"],
    ["a no-break space (copied from a web page)", "features\u00a0--domain clinical"],
    ["a zero-width space after an id", "lineage model_ridge\u200b"],
    ["a line separator", "models\u2028--champion"],
    ["100,000 characters", `lineage ${"a".repeat(100_000)}`],
  ])("%s", async (_what, args) => {
    const run = await runClaude({ home, cwd: project, prompt: `/ml-automation:registry ${args}`, script: [{ reply: "Here is your registry." }] });
    expect(run.timedOut).toBe(false);
    const refused = /Shell command permission check failed[^"]*"[\s\S]{0,200}?": ([^<]{0,120})/.exec(run.stdout)?.[1];
    expect(run.requests, `nothing reached the model; the CLI said: ${refused ?? run.stdout.slice(-400)}`).toHaveLength(1);
    expect(userText(run.requests[0]!.body)).toMatch(/usage: python3 ml_utils\.py registry|Champion|\| Feature ID|error:/);
  });
});
