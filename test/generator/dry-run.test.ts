/**
 * --dry-run: a patch of what the build would change that `git apply` applies as printed (to the
 * sources, or with --since to an earlier release's bundle), what it leaves out listed before it,
 * nothing written; "No changes." when there are none; the same messages as a build on failure.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentRelease, releases } from "../../generator/releases/index.ts";
import { copySources, readTree, repoRoot, runBuild, tempDir } from "../helpers.ts";

const work = tempDir("mla-dry-");
const dist = join(work, "dist");
beforeAll(() => expect(runBuild(["--out", dist]).status).toBe(0));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Applies `patch` with `git apply` in `dir`; returns git's exit status and what it said. */
function gitApply(dir: string, patch: string): { status: number | null; output: string } {
  const result = spawnSync("git", ["apply", "--verbose", "-"], { cwd: dir, input: patch, encoding: "utf8" });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** The lines of the dry run before its first diff. */
function preamble(stdout: string): string {
  const first = stdout.indexOf("\ndiff --git ");
  return first === -1 ? stdout : stdout.slice(0, first);
}

describe("npm run build:plugin -- --dry-run", () => {
  it("prints a patch that git apply applies to a copy of the sources, which then hold the bundle's edited files; nothing is written", () => {
    const source = copySources();
    const out = join(work, "never");
    const result = runBuild(["--dry-run", "--source", source, "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(result.stdout).toContain("diff --git a/agents/developer.md b/agents/developer.md\n--- a/agents/developer.md\n+++ b/agents/developer.md\n@@ ");
    expect(result.stdout).toContain("diff --git a/plugin-manifests/claude-plugin.json b/plugin-manifests/claude-plugin.json\n");
    expect(result.stdout).toContain(`\n+  "version": "${currentRelease.version}",\n`);
    expect(result.stdout).toContain("diff --git a/bin/ml-automation b/bin/ml-automation\nnew file mode 100755\n--- /dev/null\n+++ b/bin/ml-automation\n");
    expect(result.stdout).not.toContain("a/agents/assigner.md");
    // A workflow's skill: the command's body, then the skill's guidance (its title a second-level heading); the command merged into it goes.
    expect(result.stdout).toContain("diff --git a/skills/eda/SKILL.md b/skills/eda/SKILL.md\n--- a/skills/eda/SKILL.md\n+++ b/skills/eda/SKILL.md\n");
    expect(result.stdout).toMatch(/\n-# Profiling a dataset\n[\s\S]*\n\+## Profiling a dataset\n/);
    expect(result.stdout).toContain("diff --git a/commands/eda.md b/commands/eda.md\ndeleted file mode 100644\n--- a/commands/eda.md\n+++ /dev/null\n");
    expect(result.stdout).toContain("diff --git a/skills/registry/SKILL.md b/skills/registry/SKILL.md\nnew file mode 100644\n--- /dev/null\n+++ b/skills/registry/SKILL.md\n");
    // What the build makes with no source file to patch is named, not printed.
    expect(preamble(result.stdout)).toMatch(/Made by the build, with no source file to patch: assets\/icon\.png, cursor\/ \(\d+ files\), templates\/ \(3 files\)\./);

    const applied = gitApply(source, result.stdout);
    expect(applied.output).not.toMatch(/error|warning/i);
    expect(applied.status).toBe(0);
    const bundle = readTree(join(dist, "ml-automation"));
    const patched = [...result.stdout.matchAll(/^diff --git a\/(\S+) /gm)].map((match) => match[1] ?? "");
    expect(patched.length).toBeGreaterThan(10);
    const deleted = [...result.stdout.matchAll(/^diff --git a\/(\S+) \S+\ndeleted file mode/gm)].map((match) => match[1] ?? "");
    expect(deleted).toContain("commands/eda.md");
    for (const path of deleted) expect(existsSync(join(source, path)), path).toBe(false);
    for (const path of patched.filter((one) => !deleted.includes(one))) {
      const inBundle = path.replace(/^plugin-manifests\/claude-plugin\.json$/, ".claude-plugin/plugin.json").replace(/^plugin-manifests\/cursor-plugin\.json$/, ".cursor-plugin/plugin.json").replace(/^plugin-manifests\//, "");
      const expected = path === "plugin-manifests/marketplace.json" ? readFileSync(join(dist, ".claude-plugin", "marketplace.json")) : bundle.get(inBundle);
      expect(readFileSync(join(source, path)), path).toEqual(expected);
    }
    expect(statSync(join(source, "bin", "ml-automation")).mode & 0o111).toBe(0o111);
  });

  it("lists the optional edits the tree does not have", () => {
    // A tree without the files the releases' optional edits are for (a workflow kept only as a command, say).
    const source = copySources();
    const absent = releases.flatMap((release) => release.insertions.filter((insertion) => insertion.optional));
    expect(absent.length).toBeGreaterThan(0);
    for (const insertion of absent) rmSync(join(source, insertion.file), { force: true });
    const result = runBuild(["--dry-run", "--source", source, "--out", join(work, "never")]);
    expect(result.status).toBe(0);
    expect(preamble(result.stdout)).toContain("Optional edits this tree does not have (left out):");
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    for (const insertion of absent) expect(preamble(result.stdout)).toMatch(new RegExp(`\\n  ${escape(insertion.file)} +\\d+\\.\\d+\\.\\d+ +${escape(insertion.template)}\\n`));
  });

  it("applies to an upstream-style checkout whose step is worded otherwise, which then is the bundle's plugin folder", () => {
    const checkout = join(work, "checkout");
    cpSync(join(repoRoot, "test", "fixtures", "upstream-checkout"), checkout, { recursive: true });
    const coldstart = join(checkout, "commands", "team-coldstart.md");
    writeFileSync(coldstart, readFileSync(coldstart, "utf8").replace("continue with Stage 6", "do the dashboard before proceeding to Stage 6"));
    const out = join(work, "upstream");
    const built = runBuild(["--source", checkout, "--out", out]);
    expect(built.stderr).toBe("");
    expect(built.stdout).toMatch(/commands\/team-coldstart\.md:\d+ +1\.3\.0 +replaced +"before proceeding to Stage 6" -> "before proceeding to Stage 5c"/);
    const dry = runBuild(["--dry-run", "--source", checkout, "--out", out]);
    expect(dry.status).toBe(0);
    expect(preamble(dry.stdout)).toContain("Optional edits this tree does not have (left out):");
    expect(gitApply(checkout, dry.stdout).status).toBe(0);
    const bundle = readTree(join(out, "ml-automation"));
    const patched = readTree(checkout);
    // The checkout keeps its marketplace in .claude-plugin/; the bundle's is beside the plugin folder.
    expect(patched.get(".claude-plugin/marketplace.json")).toEqual(readFileSync(join(out, ".claude-plugin", "marketplace.json")));
    patched.delete(".claude-plugin/marketplace.json");
    expect(patched).toEqual(bundle);
  });

  it("--since the current release: nothing comes after it; an unknown version is a usage error with a suggestion", () => {
    const result = runBuild(["--dry-run", "--since", currentRelease.version]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`no release comes after ${currentRelease.version}`);
    expect(result.stdout).toMatch(/\nNo changes\.\n$/);
    const [major, minor, patch] = currentRelease.version.split(".").map(Number);
    const typo = `${major}.${minor}.${(patch ?? 0) + 10}`;
    const unknown = runBuild(["--dry-run", "--since", typo]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(`--since ${typo}: not a release; did you mean ${currentRelease.version}?`);
    expect(runBuild(["--since", currentRelease.version]).stderr).toContain("--since and --only go with --dry-run");
  });

  it("--only FILE (a path in the sources, the plugin or the bundle) keeps that file's diff; an unknown one is a usage error with a suggestion", () => {
    const result = runBuild(["--dry-run", "--only", "ml-automation/agents/eda-analyst.md", "--only", "README.md", "--only", "plugin-manifests/claude-plugin.json"]);
    expect(result.status).toBe(0);
    expect([...result.stdout.matchAll(/^diff --git a\/(\S+) /gm)].map((match) => match[1])).toEqual(["agents/eda-analyst.md", "plugin-manifests/README.md", "plugin-manifests/claude-plugin.json"]);
    const untouched = runBuild(["--dry-run", "--only", "agents/assigner.md"]);
    expect(untouched.stdout).toMatch(/\nNo changes\.\n$/);
    const typo = runBuild(["--dry-run", "--only", "agents/eda-analist.md"]);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain("--only agents/eda-analist.md: no such file in the sources or the bundle; did you mean agents/eda-analyst.md?");
  });

  it("is not refused for what only a write would do: --source dist (whose --out would be dist) says No changes", () => {
    const result = runBuild(["--dry-run", "--source", dist, "--out", dist]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/A build would not write to .*dist: holds the sources/);
    expect(result.stdout).toMatch(/\nNo changes\.\n$/);
    expect(result.stdout).not.toContain("diff --git");
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
