/** npm run verify: passes on a fresh build, and names the file and the problem for each kind of breakage. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentRelease } from "../generator/releases/index.ts";
import { brokenBundle, runBuild, runVerify, tempDir } from "./helpers.ts";

const work = tempDir("mla-verify-");
const dist = join(work, "dist");
beforeAll(() => expect(runBuild(["--out", dist]).status).toBe(0));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function broken(name: string, path: string, change: (text: string) => string): string {
  return brokenBundle(dist, join(work, name), path, change);
}

describe("npm run verify", () => {
  it("passes a fresh build", () => {
    const result = runVerify(["--bundle", dist]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("passed 13 checks");
    expect(result.stdout).toMatch(/ok {4}releases [\d., ]+ in place/);
  });

  it.each([
    ["a missing release section", "agents/developer.md", (t: string) => t.replace("## Experiment Tracking (v1.3.0)", "## Experiment Tracking"),
      /agents\/developer\.md\n {2}`## Experiment Tracking \(v1\.3\.0\)` should appear exactly once in the document, found 0/],
    ["a section moved away from its anchor", "agents/eda-analyst.md", (t: string) => {
      const start = t.indexOf("## Data Versioning (v1.3.0)");
      const end = t.indexOf("## Agent Report Bus");
      return t.slice(0, start) + t.slice(end) + "\n" + t.slice(start, end);
    }, /line \d+: `## Data Versioning \(v1\.3\.0\)` is at \d+:1, but belongs directly before `## \/\^Agent Report Bus\\b\/`/],
    ["Stage 5c out of order", "skills/team-coldstart/SKILL.md", (t: string) => t.replace("### Stage 5c:", "### Stage 4c:").replace(/Stage 5c\b/g, "Stage 4c"),
      /Stage 4c comes after Stage 5b/],
    ["5b still sending the reader to 6", "skills/team-coldstart/SKILL.md", (t: string) => t.replace("continue with Stage 5c", "continue with Stage 6"),
      /section `### \/\^Stage 5b:\/` still says "continue with Stage 6"/],
    ["a dangling stage reference", "agents/mlops-engineer.md", (t: string) => t.replace("Registry Validation (Stage 5c)", "Registry Validation (Stage 5d)"),
      /line \d+: refers to Stage 5d, which skills\/team-coldstart\/SKILL\.md does not have/],
    ["a manifest left behind", ".cursor-plugin/plugin.json", (t: string) => t.replace(`"version": "${currentRelease.version}"`, '"version": "1.2.1"'),
      new RegExp(`\\.cursor-plugin/plugin\\.json\\n {2}line 4: version is 1\\.2\\.1, expected ${currentRelease.version.replace(/\./g, "\\.")}`)],
    ["a README count that is not the bundle's", "README.md", (t: string) => t.replace("A team of agents", "A team of nine agents"),
      /README\.md\n {2}line 3: says "nine agents", but the bundle has 10 agents: update the count when a release adds one/],
    ["a README row for a workflow the bundle lacks", "README.md", (t: string) => t.replace("| `train` |", "| `fit` |"),
      /README\.md\n(?:.*\n)*? {2}line \d+: the table of section "Skills" has no row for `train` \(skills\/train\/SKILL\.md\)(?:.*\n)*? {2}line \d+: the table of section "Skills" lists `fit`, which is no command or skill of the bundle/],
    ["a field Cursor does not define", ".cursor-plugin/plugin.json", (t: string) => t.replace('"license": "MIT",', '"license": "MIT",\n  "aliases": ["mla"],'),
      /"aliases" is not a field of Cursor's plugin manifest/],
    ["a component path that does not exist", ".cursor-plugin/plugin.json", (t: string) => t.replace('"skills": "cursor/skills/"', '"skills": "cursor/skill/"'),
      /"skills" points to cursor\/skill\/, which does not exist in the plugin/],
    ["a frontmatter key Claude Code ignores", "skills/registry/SKILL.md", (t: string) => t.replace("allowed-tools:", "argument_name: sub\nallowed-tools:"),
      /skills\/registry\/SKILL\.md\n {2}line 5: frontmatter key "argument_name" is not one Claude Code reads/],
    ["a release hook handler removed", "hooks/hooks.json", (t: string) => JSON.stringify({ hooks: { SubagentStop: JSON.parse(t).hooks.SubagentStop } }),
      /hooks\/hooks\.json\n(?: {2}.*\n)* {2}does not run python3 "\$\{CLAUDE_PLUGIN_ROOT\}\/hooks\/registry_guard\.py" on PreToolUse \(Edit, if Edit\(\*\*\/mlops\/\*\*\)\)/],
    ["the guard's Edit handler removed (the Write one still runs the same command)", "hooks/hooks.json", (t: string) => {
      const data = JSON.parse(t);
      data.hooks.PreToolUse = data.hooks.PreToolUse.filter((group: { matcher?: string }) => group.matcher !== "Edit");
      return JSON.stringify(data, null, 2);
    }, /hooks\/hooks\.json\n {2}does not run python3 "\$\{CLAUDE_PLUGIN_ROOT\}\/hooks\/registry_guard\.py" on PreToolUse \(Edit, if Edit\(\*\*\/mlops\/\*\*\)\), which release 1\.3\.0 adds\s/],
    ["a `!` line left in what Cursor reads", "cursor/skills/status/SKILL.md", (t: string) => `${t}\n!\`git status\`\n`,
      /cursor\/skills\/status\/SKILL\.md\n {2}line \d+: holds a `!` line \(Cursor runs none\)/],
    ["a frontmatter key Cursor does not read in a skill", "cursor/skills/eda/SKILL.md", (t: string) => t.replace("name: eda", "name: eda\nallowed-tools: Bash"),
      /cursor\/skills\/eda\/SKILL\.md\n {2}line 3: frontmatter key "allowed-tools" is not one Cursor reads in skills \(name, description, disable-model-invocation\)/],
    ["Claude Code's variable in a Cursor hook", "cursor/hooks.json", (t: string) => t.replace("${CURSOR_PLUGIN_ROOT}/hooks/registry_guard.py", "$CLAUDE_PLUGIN_ROOT/hooks/registry_guard.py"),
      /cursor\/hooks\.json\n {2}"preToolUse" runs python3 "\$CLAUDE_PLUGIN_ROOT\/hooks\/registry_guard\.py": Cursor's variable is \$\{CURSOR_PLUGIN_ROOT\}/],
    ["Claude Code's variable in a Cursor agent", "cursor/agents/developer.md", (t: string) => `${t}\nSee \${CLAUDE_PLUGIN_ROOT}/templates.\n`,
      /cursor\/agents\/developer\.md\n {2}line \d+: holds \$\{CLAUDE_PLUGIN_ROOT\} \(not expanded in Cursor's prose\)/],
    ["the bin/ program in a Cursor skill", "cursor/skills/registry/SKILL.md", (t: string) => `${t}\nRun \`ml-automation registry\`.\n`,
      /cursor\/skills\/registry\/SKILL\.md\n {2}line \d+: holds the plugin's bin\/ program \(on no PATH in Cursor\)/],
    ["a Cursor skill named unlike its folder", "cursor/skills/eda/SKILL.md", (t: string) => t.replace("name: eda", "name: explore"),
      /cursor\/skills\/eda\/SKILL\.md\n {2}line 2: skill name must be its folder's kebab-case name "eda", found "explore"/],
    ["a hook event Cursor does not have", "cursor/hooks.json", (t: string) => t.replace('"subagentStop"', '"SubagentStop"'),
      /cursor\/hooks\.json\n {2}"SubagentStop" is not a Cursor hook event/],
    ["a workflow named in its namespaced form", "README.md", (t: string) => t.replace("/registry models --champion", "/ml-automation:registry models --champion"),
      /README\.md\n {2}line \d+: names `\/ml-automation:registry`: the skill is typed `\/registry`/],
    ["a bare name Claude Code uses itself", "skills/eda/SKILL.md", (t: string) => `${t}\nThen run /status.\n`,
      /skills\/eda\/SKILL\.md\n {2}line \d+: names `\/status`, which opens Claude Code's own command: write `\/ml-automation:status`/],
    ["a workflow that is both a command and a skill", "commands/eda.md", () => "---\ndescription: Profile data.\n---\n\n# /eda\n",
      /commands\/eda\.md\n {2}and skills\/eda\/SKILL\.md are one workflow listed twice in every request: keep the skill/],
    ["an import of a function that does not exist", "agents/mlops-engineer.md", (t: string) => t.replace("promote_if_better, save_agent_report", "new_metrics_better, save_agent_report"),
      /line \d+: code uses ml_utils\.new_metrics_better, which templates\/ml_utils\.py does not define/],
    ["a registry function missing from the runtime", "templates/ml_utils.py", (t: string) => t.replace("def load_data_versions(", "def load_data_version_list("),
      /ml_utils\.py\n {2}does not define load_data_versions/],
    ["a runtime that does not compile", "templates/ml_utils.py", (t: string) => t.replace("def promote_model(", "def promote_model(("),
      /ml_utils\.py\n {2}line \d+: Python does not compile it/],
    ["a library a project holds over 150,000 bytes", "templates/ml_utils.py", (t: string) => `${t}\n${"# padding\n".repeat(2000)}`,
      /ml_utils\.py\n {2}is 1\d\d,\d{3} bytes; the library a project holds must stay within 150,000/],
    ["a command section left in the library", "templates/ml_utils.py", (t: string) => `${t}\n# ${"=".repeat(20)}\n# REGISTRY COMMAND LINE\n# ${"=".repeat(20)}\n_COMMANDS = {}\n`,
      /ml_utils\.py\n(?: {2}.*\n)* {2}line \d+: holds the command section "REGISTRY COMMAND LINE", which belongs in templates\/ml_automation\.py/],
    ["a library edited after the build", "templates/ml_utils.py", (t: string) => t.replace("def load_data(", "def load_data_edited("),
      /RUNTIME_STAMP is "1\.3\.0\+[0-9a-f]{16}", expected "1\.3\.0\+[0-9a-f]{16}" \(the bundle's version and the hash of the file\): it was edited after the build/],
    ["a mirror client built for another library", "templates/ml_utils_mlflow.py", (t: string) => t.replace(/MIRROR_OF = "[^"]*"/, 'MIRROR_OF = "1.3.0+0000000000000000"'),
      /ml_utils_mlflow\.py\n {2}MIRROR_OF is "1\.3\.0\+0000000000000000", not the library's stamp/],
    ["a command module that loads no library", "templates/ml_automation.py", (t: string) => t.replace("ML_AUTOMATION_COMMAND_MODULE = True", "ML_AUTOMATION_COMMAND_MODULE = False"),
      /ml_automation\.py\n {2}does not mark itself as the plugin's command module/],
  ])("fails on %s, naming the file", (_name, path, change, expected) => {
    const result = runVerify(["--bundle", broken(_name.replace(/\W+/g, "-"), path, change)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(expected);
  });

  it("says when the folder is not a bundle", () => {
    const result = runVerify(["--bundle", work + "/nothing"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("is not a bundle");
  });
});
