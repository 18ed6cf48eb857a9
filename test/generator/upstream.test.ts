/**
 * A plugin checkout unlike ours (test/fixtures/upstream-checkout: upstream-style section names, bold
 * "**Step N**" paragraphs and code blocks instead of list items, a Workflow heading at another depth,
 * hooks/ with scripts, hooks.json and a Cursor hooks file, LICENSE, .codex/, .opencode/, a dot-file,
 * a binary asset, a runtime preamble without our helpers) takes release 1.3.0 and keeps every file.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runClaude } from "../../scripts/claude-cli.ts";
import { currentRelease } from "../../generator/releases/index.ts";
import { verifyBundle } from "../../scripts/verify.ts";
import { readTree, repoRoot, runBuild, runVerify, tempDir } from "../helpers.ts";

const fixture = join(repoRoot, "test", "fixtures", "upstream-checkout");
const work = tempDir("mla-upstream-");
const checkout = join(work, "checkout");
const dist = join(work, "dist");
let report = "";

beforeAll(() => {
  cpSync(fixture, checkout, { recursive: true });
  // Version-control metadata is never part of a plugin.
  mkdirSync(join(checkout, ".git", "refs"), { recursive: true });
  writeFileSync(join(checkout, ".git", "HEAD"), "ref: refs/heads/main\n");
  const result = runBuild(["--source", checkout, "--out", dist]);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  report = result.stdout;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Paths the release edits, creates or compiles: everything else must be carried byte for byte. */
const CHANGED = new Set([
  ".claude-plugin/plugin.json", ".claude-plugin/marketplace.json", ".cursor-plugin/plugin.json", "templates/ml_utils.py", "README.md",
  "agents/mlops-engineer.md", "agents/eda-analyst.md", "agents/feature-engineering-analyst.md", "agents/developer.md",
  "commands/team-coldstart.md", "commands/team-analyze.md", "skills/team-coldstart/SKILL.md", "skills/team-analyze/SKILL.md",
  "hooks/hooks.json", // the registry guard is added to it, every other byte kept (test/generator/hook-handlers.test.ts)
]);

describe("release 1.3.0 on an upstream-style plugin checkout", () => {
  it("applies every edit through the alternatives the release data gives", () => {
    // Release 1.3.0's own edits (a later release adds its lines, each with its version).
    const actions = [...report.matchAll(/^ {2}\S+ +1\.3\.0 +(inserted|replaced|unchanged|not present) /gm)].map((match) => match[1]);
    expect(["inserted", "replaced", "not present"].map((action) => actions.filter((one) => one === action).length)).toEqual([15, 2, 4]);
    expect(report).toMatch(/agents\/feature-engineering-analyst\.md:13 +1\.3\.0 +inserted +## Feature Store Registration/);
    // Upstream's own skills name its commands bare (/eda), which Claude Code does not know; the release
    // leaves that prose alone and verify names each mention.
    const problems = verifyBundle(dist).flatMap((check) => check.problems);
    expect(problems.map((problem) => [problem.ruleId, problem.file.split("/ml-automation/")[1], problem.actual])).toEqual([
      ["command-not-namespaced", "skills/eda/SKILL.md", "/eda"],
      ["command-not-namespaced", "skills/team-analyze/SKILL.md", "/team-analyze"],
      ["command-not-namespaced", "skills/team-coldstart/SKILL.md", "/team-coldstart"],
    ]);
  });

  it("carries every other file byte for byte (hooks, LICENSE, .codex/, .opencode/, a dot-file, a binary), not .git/", () => {
    const source = readTree(fixture);
    const bundle = readTree(join(dist, "ml-automation"));
    for (const [path, bytes] of source) {
      if (CHANGED.has(path)) continue;
      expect(bundle.get(path), path).toEqual(bytes);
    }
    for (const path of ["hooks/hooks.json", "hooks/hooks-cursor.json", "hooks/session-start.sh", "LICENSE", ".codex/INSTALL.md", ".opencode/plugins/ml-automation.js", ".gitattributes", "assets/logo.png"]) {
      expect(bundle.has(path), path).toBe(true);
    }
    expect([...bundle.keys()].filter((path) => path.startsWith(".git/"))).toEqual([]);
    expect(statSync(join(dist, "ml-automation", "hooks", "session-start.sh")).mode & 0o111).not.toBe(0);
  });

  it("edits the manifests in place: a period before the added sentence, the marketplace entry pointed at the plugin folder", () => {
    const claude = readFileSync(join(dist, "ml-automation", ".claude-plugin", "plugin.json"), "utf8");
    const source = readFileSync(join(fixture, ".claude-plugin", "plugin.json"), "utf8");
    expect(claude).toContain('"description": "Autonomous ML team: EDA, features, training and review agents. Includes an MLOps registry layer');
    expect(claude.split("\n").filter((line, index) => line !== source.split("\n")[index])).toEqual([expect.stringContaining(`"version": "${currentRelease.version}"`), expect.stringContaining('"description"')]);
    expect(claude).toContain('"keywords": ["ml", "agents", "automation"]');
    const cursor = JSON.parse(readFileSync(join(dist, "ml-automation", ".cursor-plugin", "plugin.json"), "utf8"));
    // Cursor's manifest points at what the build renders for Cursor; its own hooks file is carried and its handlers kept there.
    expect(cursor).toMatchObject({ hooks: "cursor/hooks.json", commands: "cursor/commands/", skills: "cursor/skills/", agents: "cursor/agents/" });
    const ownHooks = JSON.parse(readFileSync(join(fixture, "hooks", "hooks-cursor.json"), "utf8")).hooks as Record<string, Array<{ command: string }>>;
    const rendered = JSON.parse(readFileSync(join(dist, "ml-automation", "cursor", "hooks.json"), "utf8")).hooks as Record<string, Array<{ command: string }>>;
    // Each of the tree's own handlers is there once, whichever way it names its script (./hooks/x.sh or ${CURSOR_PLUGIN_ROOT}/hooks/x.sh).
    const script = (command: string) => command.replace(/"?\$\{CURSOR_PLUGIN_ROOT\}\/|"|^\.\//g, "");
    for (const [event, handlers] of Object.entries(ownHooks)) {
      for (const handler of handlers) expect(rendered[event]?.map((one) => script(one.command)).filter((one) => one === script(handler.command))).toHaveLength(1);
    }
    const market = JSON.parse(readFileSync(join(dist, ".claude-plugin", "marketplace.json"), "utf8"));
    expect(market.plugins[0]).toMatchObject({ source: "./ml-automation", version: currentRelease.version });
  });

  it("passes claude plugin validate --strict (the real CLI) with its hooks", () => {
    const home = tempDir("mla-home-");
    const result = runClaude(["plugin", "validate", "--strict", join(dist, "ml-automation")], home);
    rmSync(home, { recursive: true, force: true });
    expect(result.output).toContain("✔ Validation passed");
    expect(result.status).toBe(0);
  });

  it("changes nothing when the bundle is released again", () => {
    const again = join(work, "again");
    const result = runBuild(["--source", dist, "--out", again]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Edits \(0 inserted, 0 replaced, \d+ already in place/);
    expect(readTree(again)).toEqual(readTree(dist));
  });

  it.each([
    ["the hooks file the Cursor manifest names", "cursor/hooks.json", "bundle-path-missing", /\.cursor-plugin\/plugin\.json\n {2}line \d+: "hooks" names cursor\/hooks\.json, which is not in the bundle/],
    ["a script hooks.json runs", "hooks/session-start.sh", "bundle-path-missing", /hooks\/hooks\.json\n {2}line 6: runs hooks\/session-start\.sh from the plugin root, which is not in the bundle/],
    ["a file the build recorded", "assets/logo.png", "bundle-recorded-file-missing", /\.build-record\.json\n {2}lists ml-automation\/assets\/logo\.png, which is missing from the bundle/],
  ])("verify fails when %s is removed from the bundle", (_name, path, ruleId, message) => {
    const copy = join(work, `broken-${path.replace(/\W+/g, "-")}`);
    cpSync(dist, copy, { recursive: true });
    rmSync(join(copy, "ml-automation", path));
    expect(verifyBundle(copy).flatMap((check) => check.problems.map((problem) => problem.ruleId))).toContain(ruleId);
    const result = runVerify(["--bundle", copy]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
