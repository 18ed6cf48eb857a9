/** --dry-run: a unified diff per file of what the build would change; nothing written; the same messages as a build on failure. */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copySources, runBuild, tempDir } from "../helpers.ts";

const work = tempDir("mla-dry-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm run build:plugin -- --dry-run", () => {
  it("prints per file a unified diff from the source to the bundle, and writes nothing", () => {
    const out = join(work, "never");
    const result = runBuild(["--dry-run", "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--- a/agents/developer.md\n+++ b/ml-automation/agents/developer.md\n@@ ");
    expect(result.stdout).toMatch(/\n\+## Experiment Tracking \(v1\.3\.0\)\n/);
    expect(result.stdout).toContain('--- a/plugin-manifests/claude-plugin.json\n+++ b/ml-automation/.claude-plugin/plugin.json\n');
    expect(result.stdout).toContain('\n-  "version": "1.2.1",\n');
    expect(result.stdout).toContain('\n+  "version": "1.3.0",\n');
    expect(result.stdout).toContain("--- /dev/null\n+++ b/ml-automation/skills/registry/SKILL.md\n");
    // A workflow's skill: the command's body, then the skill's guidance (its title a second-level heading).
    expect(result.stdout).toContain("--- a/skills/eda/SKILL.md\n+++ b/ml-automation/skills/eda/SKILL.md\n");
    expect(result.stdout).toMatch(/\n-# Profiling a dataset\n[\s\S]*\n\+## Profiling a dataset\n/);
    expect(result.stdout).not.toContain("b/ml-automation/agents/assigner.md");
    expect(result.stdout).toMatch(/Dry run: \d+ files planned for .*never\/, nothing written\.\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it("shows no change for an already released bundle", () => {
    const dist = join(work, "dist");
    expect(runBuild(["--out", dist]).status).toBe(0);
    const result = runBuild(["--dry-run", "--source", dist, "--out", join(work, "again")]);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("+++ ");
  });

  it("fails like the build, with the same messages", () => {
    const source = copySources();
    const file = join(source, "agents", "developer.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("## Agent Report Bus (v1.2.0)", "## Reports"));
    const dry = runBuild(["--dry-run", "--source", source, "--out", join(work, "x")]);
    const build = runBuild(["--source", source, "--out", join(work, "x")]);
    expect(dry.status).toBe(1);
    expect(dry.stdout).toBe("");
    expect(dry.stderr).toBe(build.stderr);
    expect(dry.stderr).toContain("anchor-missing");
  });
});
