import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPlugin } from "../../generator/build.ts";
import { sourceErrorsOf } from "../../generator/errors.ts";
import { currentRelease, releases } from "../../generator/releases/index.ts";
import { verifyBundle } from "../../scripts/verify.ts";
import { checkReadmeCounts, inventoryOf } from "../../scripts/verify/readme-checks.ts";
import { copySources, readTree, repoRoot, runBuild, tempDir, tsx } from "../helpers.ts";

const work = tempDir("mla-build-");
const dist = join(work, "dist");
let report = "";

beforeAll(() => {
  const result = runBuild(["--out", dist]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  report = result.stdout;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Builds `source` in-process into a fresh folder; returns the problems ([] when it builds). */
function problemsOf(source: string) {
  try {
    buildPlugin({ source, out: join(tempDir(), "out"), releases, templateRoot: repoRoot });
    return [];
  } catch (error) {
    const errors = sourceErrorsOf(error);
    if (!errors) throw error;
    return errors;
  }
}

/** The problems as [ruleId, file name relative to the source, line, column]. */
function placesOf(source: string) {
  return problemsOf(source).map((problem) => [problem.ruleId, problem.file.startsWith(source) ? problem.file.slice(source.length + 1) : problem.file, problem.line, problem.column]);
}

function edit(source: string, path: string, change: (text: string) => string): void {
  const file = join(source, path);
  writeFileSync(file, change(readFileSync(file, "utf8")));
}

describe("npm run build:plugin", () => {
  it("writes an installable bundle and a report of what it did", () => {
    const files = [...readTree(dist).keys()];
    expect(files).toContain(".claude-plugin/marketplace.json");
    for (const path of [".claude-plugin/plugin.json", ".cursor-plugin/plugin.json", "README.md", "templates/ml_utils.py", "skills/registry/SKILL.md", "bin/ml-automation"]) {
      expect(files).toContain(`ml-automation/${path}`);
    }
    expect(files.filter((path) => path.startsWith("ml-automation/agents/"))).toHaveLength(10);
    // One skill per workflow (the sources' and those the releases add, the registry among them), no command of the same name.
    const workflow = (path: string) => /^commands\/([^/]+)\.md$/.exec(path)?.[1] ?? /^skills\/([^/]+)\/SKILL\.md$/.exec(path)?.[1] ?? [];
    const workflows = new Set([
      ...readdirSync(join(repoRoot, "commands")).flatMap((name) => workflow(`commands/${name}`)),
      ...readdirSync(join(repoRoot, "skills")).map((name) => name),
      ...releases.flatMap((release) => release.newFiles.flatMap((file) => workflow(file.file))),
    ]);
    expect(files.filter((path) => /^ml-automation\/skills\/[^/]+\/SKILL\.md$/.test(path))).toHaveLength(workflows.size);
    expect(files.filter((path) => path.startsWith("ml-automation/commands/"))).toEqual([]);
    expect(statSync(join(dist, "ml-automation", "bin", "ml-automation")).mode & 0o111).toBe(0o111);
    expect(report).toContain(`Built ml-automation ${currentRelease.version} into`);
    expect(report).toContain(`Releases applied: ${releases.map((release) => release.version).join(" -> ")}\n`);
    expect(report).toMatch(/agents\/eda-analyst\.md:\d+ +1\.3\.0 +inserted +## Data Versioning \(v1\.3\.0\)/);
    expect(report).toMatch(/commands\/team-coldstart\.md:\d+ +1\.3\.0 +inserted +### Stage 5c: MLOps Registry Validation/);
    // The release's skill edits land again (they were "not present" while the sources had no skills/).
    expect(report).toMatch(/skills\/team-coldstart\/SKILL\.md:\d+ +1\.3\.0 +inserted +## MLOps Registry Layer \(v1\.3\.0\)/);
    expect(report).toMatch(/skills\/team-analyze\/SKILL\.md:\d+ +1\.3\.0 +inserted +## MLOps Registry \(v1\.3\.0\)/);
    expect(report).not.toContain("not present");
    expect(report).toContain("Workflows: 12 skills (skills/NAME/SKILL.md), 12 commands merged into them; only a person starts deploy, registry, status, team-coldstart, team-review (disable-model-invocation)");
    expect(report).toContain("claude plugin install ml-automation@ml-automation-marketplace");
  });

  it("reports the line where each section now is", () => {
    const line = Number(/agents\/mlops-engineer\.md:(\d+) +1\.3\.0 +inserted/.exec(report)?.[1]);
    const text = readFileSync(join(dist, "ml-automation", "agents", "mlops-engineer.md"), "utf8").split("\n");
    expect(text[line - 1]).toBe("## MLOps Registry Management (v1.3.0)");
  });

  it("passes every structural check", () => {
    expect(verifyBundle(dist).flatMap((check) => check.problems.map((problem) => problem.message))).toEqual([]);
  });

  it("sets one version and the release's description in every manifest", () => {
    const claude = JSON.parse(readFileSync(join(dist, "ml-automation/.claude-plugin/plugin.json"), "utf8"));
    const cursor = JSON.parse(readFileSync(join(dist, "ml-automation/.cursor-plugin/plugin.json"), "utf8"));
    const market = JSON.parse(readFileSync(join(dist, ".claude-plugin/marketplace.json"), "utf8"));
    const entry = market.plugins[0];
    expect([claude.version, cursor.version, entry.version]).toEqual([currentRelease.version, currentRelease.version, currentRelease.version]);
    for (const description of [claude.description, cursor.description, entry.description]) expect(description).toContain("MLOps registry layer");
    expect(entry.source).toBe("./ml-automation");
  });

  it("edits the manifests in place: besides version and description (and Cursor's component paths) every byte is the source's", () => {
    const pairs: Array<[string, string, RegExp, number]> = [
      ["plugin-manifests/claude-plugin.json", "ml-automation/.claude-plugin/plugin.json", /^\s*"(version|description)":/, 0],
      // Cursor's manifest points at what the build renders for Cursor: agents and skills move, hooks is added, commands removed.
      ["plugin-manifests/cursor-plugin.json", "ml-automation/.cursor-plugin/plugin.json", /^\s*"(version|description|agents|commands|skills|hooks)":/, 0],
      ["plugin-manifests/marketplace.json", ".claude-plugin/marketplace.json", /^\s*"(version|description)":/, 0],
    ];
    for (const [source, built, allowed, added] of pairs) {
      const before = readFileSync(join(repoRoot, source), "utf8").split("\n");
      const after = readFileSync(join(dist, built), "utf8").split("\n");
      expect(after.length, built).toBe(before.length + added);
      const changed = [...after.filter((line) => !before.includes(line)), ...before.filter((line) => !after.includes(line))];
      expect(changed.every((line) => allowed.test(line)), `${built}: ${changed.join(" | ")}`).toBe(true);
    }
    expect(readFileSync(join(dist, "ml-automation/.claude-plugin/plugin.json"), "utf8")).toContain('"keywords": ["machine-learning", "data-science", "eda", "scikit-learn", "mlops", "agents"]');
  });

  it("the counts this repository's README gives (agents, commands) are the bundle's", () => {
    const readme = { file: "README.md", text: readFileSync(join(repoRoot, "README.md"), "utf8") };
    const plugin = [...readTree(join(dist, "ml-automation")).keys()];
    expect(checkReadmeCounts(readme, inventoryOf(plugin))).toEqual([]);
    expect(checkReadmeCounts({ ...readme, text: readme.text.replace(/\bten agents\b/, "eleven agents") }, inventoryOf(plugin)).map((problem) => problem.ruleId)).toEqual(["readme-count"]);
  });

  it("is deterministic: two builds are byte-identical", () => {
    const second = join(work, "second");
    expect(runBuild(["--out", second]).status).toBe(0);
    expect(readTree(second)).toEqual(readTree(dist));
  });

  it("changes nothing when applied to an already released bundle", () => {
    const again = join(work, "again");
    const result = runBuild(["--source", dist, "--out", again]);
    expect(result.status).toBe(0);
    // Every edit of the current release (the one re-applied to a bundle at its version) is in place already (or optional and not in this tree);
    // the workflows' commands are in their skills in a bundle: the release finds its edits there.
    const edits = currentRelease.rewrites.length + currentRelease.insertions.length + (currentRelease.hooks?.length ?? 0);
    const [, inPlace, absent] = /Edits \(0 inserted, 0 replaced, (\d+) already in place(?:, (\d+) optional not present in this tree)?\)/.exec(result.stdout) ?? [];
    expect(Number(inPlace) + Number(absent ?? 0)).toBe(edits);
    expect(readTree(again)).toEqual(readTree(dist));
  });

  it("releases a plugin checkout in plugin layout (manifests in .claude-plugin/, one ml_utils.py), keeping the marketplace entry of the folder it is in", () => {
    const checkout = join(dist, "ml-automation");
    const out = join(work, "from-checkout");
    expect(runBuild(["--source", checkout, "--out", out]).status).toBe(0);
    expect(readTree(join(out, "ml-automation"))).toEqual(readTree(checkout));
    // The entry's own license and keywords (not the plugin manifest's) are kept.
    expect(readFileSync(join(out, ".claude-plugin", "marketplace.json"), "utf8")).toBe(readFileSync(join(dist, ".claude-plugin", "marketplace.json"), "utf8"));
    expect(JSON.parse(readFileSync(join(out, ".claude-plugin", "marketplace.json"), "utf8")).plugins[0]).toMatchObject({ license: "MIT", keywords: ["machine-learning", "data-science", "mlops"] });
  });

  it("keeps the line endings of a CRLF source", () => {
    const source = copySources();
    edit(source, "agents/developer.md", (text) => text.replace(/\n/g, "\r\n"));
    const out = join(tempDir(), "dist");
    expect(runBuild(["--source", source, "--out", out]).status).toBe(0);
    const built = readFileSync(join(out, "ml-automation/agents/developer.md"), "utf8");
    expect(built).toContain("## Experiment Tracking (v1.3.0)\r\n");
    expect(built.replace(/\r\n/g, "")).not.toContain("\n");
  });
});

describe("bad input ends the build with a clear error and writes nothing", () => {
  it("a missing anchor names the file, the anchor and the headings that exist (with their source positions)", () => {
    const source = copySources();
    edit(source, "agents/feature-engineering-analyst.md", (text) => text.replace("## Agent Report Bus (v1.2.0)", "## Reporting"));
    const [problem, ...rest] = problemsOf(source);
    expect(rest).toEqual([]);
    expect(problem?.ruleId).toBe("anchor-missing");
    expect(problem?.file).toMatch(/agents\/feature-engineering-analyst\.md$/);
    expect(problem?.reason).toContain("12:1  ## Expertise");
    expect(problem?.reason).toContain("33:1  ## Reporting");
  });

  it("an anchor present only inside a code fence is not taken", () => {
    const source = copySources();
    edit(source, "agents/developer.md", (text) => text.replace("## Agent Report Bus (v1.2.0)", "```\n## Agent Report Bus (v1.2.0)\n```"));
    expect(placesOf(source)).toEqual([["anchor-missing", "agents/developer.md", undefined, undefined]]);
    expect(problemsOf(source)[0]?.reason).toContain("inside code (not a heading) is at 34:1");
  });

  it("an anchor matched twice is reported at the second match", () => {
    const source = copySources();
    const lines = readFileSync(join(source, "agents/eda-analyst.md"), "utf8").split("\n").length;
    edit(source, "agents/eda-analyst.md", (text) => `${text}\n## Agent Report Bus (v1.2.1)\n\nAgain.\n`);
    // Both edits anchored there, the registry section and the copy-runtime rewrite, name it.
    expect(placesOf(source)).toEqual([["anchor-ambiguous", "agents/eda-analyst.md", lines + 1, 1], ["anchor-ambiguous", "agents/eda-analyst.md", lines + 1, 1]]);
  });

  it("unparseable frontmatter, invalid JSON and a version that is not semver: file, line and column", () => {
    const source = copySources();
    edit(source, "commands/eda.md", (text) => text.replace("argument-hint: \"<data-file> [--target COLUMN]\"", "argument-hint: [<data-file>] --target"));
    edit(source, "plugin-manifests/cursor-plugin.json", (text) => text.replace('"license": "MIT",', '"license": "MIT"'));
    expect(placesOf(source)).toEqual(expect.arrayContaining([["frontmatter-yaml", "commands/eda.md", 3, 30], ["manifest-json", "plugin-manifests/cursor-plugin.json", 10, 3]]));
    const semverOnly = copySources();
    edit(semverOnly, "plugin-manifests/claude-plugin.json", (text) => text.replace('"version": "1.2.1"', '"version": "1.2"'));
    expect(placesOf(semverOnly)).toEqual([["manifest-version", "plugin-manifests/claude-plugin.json", 3, 3]]);
  });

  it("sources newer than the release are refused", () => {
    const source = copySources();
    edit(source, "plugin-manifests/marketplace.json", (text) => text.replace('"version": "1.2.1"', '"version": "1.4.0"'));
    expect(placesOf(source)).toEqual([["manifest-version-newer", "plugin-manifests/marketplace.json", 12, 7]]);
  });

  it("sources newer than every release get the version errors alone, no error that only follows from them", () => {
    const source = copySources();
    for (const manifest of ["claude-plugin.json", "cursor-plugin.json", "marketplace.json"]) {
      edit(source, `plugin-manifests/${manifest}`, (text) => text.replace('"version": "1.2.1"', '"version": "1.4.0"'));
    }
    expect(placesOf(source)).toEqual([
      ["manifest-version-newer", "plugin-manifests/claude-plugin.json", 3, 3],
      ["manifest-version-newer", "plugin-manifests/cursor-plugin.json", 4, 3],
      ["manifest-version-newer", "plugin-manifests/marketplace.json", 12, 7],
    ]);
  });

  it("the built folder takes the umask as any folder does (not mkdtemp's 0700)", () => {
    for (const [umask, mode] of [["022", 0o755], ["027", 0o750]] as const) {
      const out = join(tempDir(), "dist");
      const built = spawnSync("sh", ["-c", `umask ${umask} && exec "$0" "$@"`, tsx, join(repoRoot, "generator", "cli.ts"), "--out", out], { cwd: repoRoot, encoding: "utf8" });
      expect(built.status, built.stderr).toBe(0);
      expect([statSync(out).mode & 0o777, statSync(join(out, "ml-automation")).mode & 0o777]).toEqual([mode, mode]);
    }
  });

  it("the CLI exits non-zero, prints the problems with vfile-reporter and leaves --out as it was", () => {
    const source = copySources();
    edit(source, "agents/mlops-engineer.md", (text) => text.replace("## Agent Report Bus (v1.2.0)", "## Reports"));
    const fresh = join(tempDir(), "dist");
    const failed = runBuild(["--source", source, "--out", fresh]);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toContain("Build failed: 1 problem (nothing was written)");
    expect(failed.stderr).toMatch(/agents\/mlops-engineer\.md\n.*error +none of the 2 placements of ## MLOps Registry Management \(v1\.3\.0\) finds its anchor.*anchor-missing +ml-automation/);
    expect(failed.stderr).toContain("✖ 1 error");
    expect(existsSync(fresh)).toBe(false);
    expect(readTree(join(fresh, "..")).size).toBe(0);
    const previous = join(work, "previous");
    expect(runBuild(["--out", previous]).status).toBe(0);
    const before = readTree(previous);
    expect(runBuild(["--source", source, "--out", previous]).status).toBe(1);
    expect(readTree(previous)).toEqual(before);
  });

  it("the CLI prints each problem at the source's line and column, with its ruleId", () => {
    const source = copySources();
    const lines = readFileSync(join(source, "agents/eda-analyst.md"), "utf8").split("\n").length;
    edit(source, "agents/eda-analyst.md", (text) => `${text}\n## Agent Report Bus (v1.2.1)\n\nAgain.\n`);
    edit(source, "plugin-manifests/cursor-plugin.json", (text) => text.replace('"license": "MIT",', '"license": "MIT"'));
    const failed = runBuild(["--source", source, "--out", join(tempDir(), "dist")]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`agents/eda-analyst\\.md\n *${lines + 1}:1 +error .*anchor-ambiguous +ml-automation`));
    expect(failed.stderr).toMatch(/plugin-manifests\/cursor-plugin\.json\n *10:3 +error +not valid JSON.*manifest-json +ml-automation/);
  });

  it("refuses to replace a folder that is not an earlier build, and wrong usage exits 2", () => {
    const precious = join(tempDir(), "notes");
    mkdirSync(precious);
    writeFileSync(join(precious, "keep.txt"), "mine");
    const refused = runBuild(["--out", precious]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("out-not-a-build");
    expect(readFileSync(join(precious, "keep.txt"), "utf8")).toBe("mine");
    const usage = runBuild(["--sauce", "x"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("usage: npm run build:plugin");
  });
});
