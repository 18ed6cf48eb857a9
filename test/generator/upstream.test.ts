/**
 * A plugin checkout unlike ours (test/fixtures/upstream-checkout: upstream-style section names, bold
 * "**Step N**" paragraphs and code blocks instead of list items, a Workflow heading at another depth,
 * a command and a skill of each workflow's name, hooks/ with scripts, a hooks.json and a Cursor hooks
 * file with matchers and Claude Code's plugin-root variable, LICENSE, .codex/, .opencode/, a dot-file,
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

/** Paths the release edits, creates or compiles, and the workflows' skills: everything else must be carried byte for byte. */
const CHANGED = new Set([
  ".claude-plugin/plugin.json", ".claude-plugin/marketplace.json", ".cursor-plugin/plugin.json", "templates/ml_utils.py", "README.md",
  "agents/mlops-engineer.md", "agents/eda-analyst.md", "agents/feature-engineering-analyst.md", "agents/developer.md",
  "skills/eda/SKILL.md", "skills/team-coldstart/SKILL.md", "skills/team-analyze/SKILL.md",
  "hooks/hooks.json", // the registry guard is added to it, every other byte kept (test/generator/hook-handlers.test.ts)
]);

/** The workflows' commands: each merged into its skill, so not in the bundle. */
const MERGED = ["commands/eda.md", "commands/team-analyze.md", "commands/team-coldstart.md"];

type CursorHooks = Record<string, Array<{ command: string; matcher?: string; timeout?: number }>>;

/**
 * `claude plugin validate --strict` passes the bundle, except that newer clients (2.1.332) warn about
 * the tree's own hook commands, which leave ${CLAUDE_PLUGIN_ROOT} unquoted (carried byte for byte,
 * as every file a release does not edit): nothing else is warned about.
 */
function expectValidButForTheTreesOwnHooks(result: { status: number | null; output: string }) {
  // The plugin directory's own checks (listing metadata of the upstream tree) do not change the result.
  const validation = result.output.split("Plugin directory checks")[0] ?? "";
  const warnings = validation.split("\n").filter((line) => /^\s*❯ .*(warning|:)/.test(line) && !/^\s*❯ (hooks|skills|agents|commands|bin): /.test(line));
  const others = warnings.filter((line) => !/Shell command uses \$\{CLAUDE_PLUGIN_ROOT\} without quotes: \$\{CLAUDE_PLUGIN_ROOT\}\/hooks\/(session-start|pre-commit|check-report)\.sh\./.test(line));
  expect(others).toEqual([]);
  if (warnings.length === 0) {
    expect(result.output).toContain("✔ Validation passed");
    expect(result.status).toBe(0);
  }
}

describe("release 1.3.0 on an upstream-style plugin checkout", () => {
  it("applies every edit through the alternatives the release data gives", () => {
    // Release 1.3.0's own edits (a later release adds its lines, each with its version).
    const actions = [...report.matchAll(/^ {2}\S+ +1\.3\.0 +(inserted|replaced|unchanged|not present) /gm)].map((match) => match[1]);
    expect(["inserted", "replaced", "not present"].map((action) => actions.filter((one) => one === action).length)).toEqual([19, 2, 20]);
    expect(report).toMatch(/agents\/feature-engineering-analyst\.md:13 +1\.3\.0 +inserted +## Feature Store Registration/);
    expect(report).toMatch(/skills\/team-coldstart\/SKILL\.md:\d+ +1\.3\.0 +inserted +## MLOps Registry Layer/);
    // Upstream's skills name its workflows bare (/eda): as skills in the bundle, that is how they are typed.
    expect(verifyBundle(dist).flatMap((check) => check.problems.map((problem) => problem.message))).toEqual([]);
  });

  it("offers each workflow once, as a skill: the command's body, then the skill's guidance", () => {
    const bundle = readTree(join(dist, "ml-automation"));
    expect([...bundle.keys()].filter((path) => path.startsWith("commands/"))).toEqual([]);
    expect([...bundle.keys()].filter((path) => /^skills\/[^/]+\/SKILL\.md$/.test(path)).sort()).toEqual(["skills/eda/SKILL.md", "skills/registry/SKILL.md", "skills/team-analyze/SKILL.md", "skills/team-coldstart/SKILL.md"]);
    expect(bundle.get("skills/eda/SKILL.md")?.toString("utf8")).toBe(
      '---\nname: eda\ndescription: Exploratory data analysis.\nargument-hint: "<data-file>"\n---\n\n# EDA\n\nSpawn eda-analyst on `$ARGUMENTS`.\n\n## EDA\n\nUse /eda with a data file.\n',
    );
    const coldstart = bundle.get("skills/team-coldstart/SKILL.md")?.toString("utf8") ?? "";
    expect(coldstart).toContain("description: Runs the whole ML team from raw data to a reviewed model.\nargument-hint:");
    expect(coldstart).toContain("disable-model-invocation: true");
    expect(coldstart.indexOf("### Stage 5c: MLOps Registry Validation")).toBeLessThan(coldstart.indexOf("## Team Coldstart\n"));
    expect(coldstart.indexOf("## Team Coldstart\n")).toBeLessThan(coldstart.indexOf("## MLOps Registry Layer (v1.3.0)"));
    const cursor = readTree(join(dist, "ml-automation", "cursor"));
    expect([...cursor.keys()].filter((path) => path.startsWith("skills/")).sort()).toEqual(["skills/eda/SKILL.md", "skills/registry/SKILL.md", "skills/team-analyze/SKILL.md", "skills/team-coldstart/SKILL.md"]);
    expect([...cursor.keys()].filter((path) => path.startsWith("commands/"))).toEqual([]);
  });

  it("gives Cursor every hook: matchers with Cursor's tool names, Cursor's variable, scripts named from the plugin folder, each once", () => {
    const rendered = JSON.parse(readFileSync(join(dist, "ml-automation", "cursor", "hooks.json"), "utf8")).hooks as CursorHooks;
    const text = JSON.stringify(rendered);
    expect(text).not.toMatch(/CLAUDE_PLUGIN_ROOT/);
    expect(text).not.toMatch(/"\.\/hooks\//);
    const shell = rendered.beforeShellExecution ?? [];
    expect(shell.map((handler) => [handler.matcher, handler.command])).toEqual([
      ["git commit", "${CURSOR_PLUGIN_ROOT}/hooks/pre-commit.sh"],
      ["docker-compose up", "${CURSOR_PLUGIN_ROOT}/hooks/pre-deploy.sh"],
      ["pytest", '"${CURSOR_PLUGIN_ROOT}/hooks/test-guard.sh"'],
    ]);
    expect(shell[2]?.timeout).toBe(60);
    // Claude Code's PreToolUse on Bash is the tree's own preToolUse on Shell: once.
    expect(rendered.preToolUse?.map((handler) => [handler.matcher, handler.command])).toEqual([
      ["Shell", "${CURSOR_PLUGIN_ROOT}/hooks/pre-commit.sh"],
      ["Write", 'python3 "${CURSOR_PLUGIN_ROOT}/hooks/registry_guard.py"'],
    ]);
    expect(rendered.postToolUse).toEqual([{ command: 'bash "${CURSOR_PLUGIN_ROOT}/hooks/format.sh"', matcher: "Write" }]);
    expect(rendered.subagentStop).toEqual([{ command: "${CURSOR_PLUGIN_ROOT}/hooks/check-report.sh", matcher: "developer" }]);
    expect(rendered.sessionStart?.map((handler) => handler.command)).toEqual(['python3 "${CURSOR_PLUGIN_ROOT}/cursor/session_start.py"', '"${CURSOR_PLUGIN_ROOT}/hooks/session-start.sh"']);
    // Every script a handler names is in the bundle, at the path Cursor is given.
    for (const handler of Object.values(rendered).flat()) {
      for (const [, path] of handler.command.matchAll(/\$\{CURSOR_PLUGIN_ROOT\}\/([^\s"]+)/g)) expect(statSync(join(dist, "ml-automation", path ?? "")).isFile(), path).toBe(true);
    }
  });

  it("carries every other file byte for byte (hooks, LICENSE, .codex/, .opencode/, a dot-file, a binary), not .git/", () => {
    const source = readTree(fixture);
    const bundle = readTree(join(dist, "ml-automation"));
    for (const [path, bytes] of source) {
      if (CHANGED.has(path) || MERGED.includes(path)) continue;
      expect(bundle.get(path), path).toEqual(bytes);
    }
    for (const path of MERGED) expect(bundle.has(path), path).toBe(false);
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
    expect(cursor).toMatchObject({ hooks: "cursor/hooks.json", skills: "cursor/skills/", agents: "cursor/agents/" });
    expect(cursor.commands).toBeUndefined();
    const ownHooks = JSON.parse(readFileSync(join(fixture, "hooks", "hooks-cursor.json"), "utf8")).hooks as Record<string, Array<{ command: string }>>;
    const rendered = JSON.parse(readFileSync(join(dist, "ml-automation", "cursor", "hooks.json"), "utf8")).hooks as Record<string, Array<{ command: string }>>;
    // Each of the tree's own handlers is there once, whichever way it names its script (./hooks/x.sh or ${CURSOR_PLUGIN_ROOT}/hooks/x.sh).
    const script = (command: string) => command.replace(/"?\$\{CURSOR_PLUGIN_ROOT\}\/|\$\{?CLAUDE_PLUGIN_ROOT\}?\/|"|^\.\//g, "");
    for (const [event, handlers] of Object.entries(ownHooks)) {
      for (const handler of handlers) expect(rendered[event]?.map((one) => script(one.command)).filter((one) => one === script(handler.command))).toHaveLength(1);
    }
    const market = JSON.parse(readFileSync(join(dist, ".claude-plugin", "marketplace.json"), "utf8"));
    expect(market.plugins[0]).toMatchObject({ source: "./ml-automation", version: currentRelease.version });
  });

  it("drops from the Claude Code manifest a commands path that named the merged commands, so it names nothing missing", () => {
    const named = join(work, "named-commands");
    cpSync(fixture, named, { recursive: true });
    const manifest = join(named, ".claude-plugin", "plugin.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace('"license": "MIT",', '"license": "MIT",\n  "commands": ["./commands/eda.md", "./commands/"],'));
    const out = join(work, "named-commands-dist");
    expect(runBuild(["--source", named, "--out", out]).status).toBe(0);
    const built = readFileSync(join(out, "ml-automation", ".claude-plugin", "plugin.json"), "utf8");
    expect(JSON.parse(built).commands).toBeUndefined();
    expect(built).toContain('"license": "MIT",\n  "keywords"');
    expect(verifyBundle(out).flatMap((check) => check.problems.map((problem) => problem.message))).toEqual([]);
    const home = tempDir("mla-home-");
    const result = runClaude(["plugin", "validate", "--strict", join(out, "ml-automation")], home);
    rmSync(home, { recursive: true, force: true });
    expectValidButForTheTreesOwnHooks(result);
  });

  it("passes claude plugin validate --strict (the real CLI) with its hooks", () => {
    const home = tempDir("mla-home-");
    const result = runClaude(["plugin", "validate", "--strict", join(dist, "ml-automation")], home);
    rmSync(home, { recursive: true, force: true });
    expectValidButForTheTreesOwnHooks(result);
  });

  it("changes nothing when the bundle is released again", () => {
    const again = join(work, "again");
    const result = runBuild(["--source", dist, "--out", again]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Edits \(0 inserted, 0 replaced, \d+ already in place/);
    // The current release (re-applied) makes its new commands again, and they are merged into their skills.
    const commands = currentRelease.newFiles.filter((file) => /^commands\/[^/]+\.md$/.test(file.file)).length;
    expect(result.stdout).toMatch(new RegExp(`Workflows: \\d+ skills \\(skills/NAME/SKILL\\.md\\), ${commands} commands? merged into them`));
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
