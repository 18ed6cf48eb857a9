/**
 * The bundle as Claude Code lists and runs it: one listing line per agent and per workflow the model may
 * start, none for a workflow only a person starts, what the plugin adds to every request, and every
 * workflow reached as people type it (bare and namespaced) and expanding in the real client (no variable
 * or `!` line left for the model to puzzle over), followed through where it runs something.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readFrontmatter } from "../generator/frontmatter.ts";
import { release130 } from "../generator/releases/v1.3.0.ts";
import { CLAUDE_CODE_COMMANDS } from "../scripts/verify/command-checks.ts";
import { runClaude } from "./harness/claude.ts";
import { measureContextCost, type ContextCost } from "./harness/context-cost.ts";
import { pathWithVenv } from "./harness/project.ts";
import { toolUse } from "./harness/stand-in.ts";
import { allText, toolResults, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const AGENTS = [
  "assigner", "brutal-code-reviewer", "developer", "eda-analyst", "feature-engineering-analyst", "frontend-ux-analyst",
  "ml-theory-advisor", "mlops-engineer", "orchestrator", "pr-approver",
];
const WORKFLOWS = ["deploy", "eda", "evaluate", "preprocess", "registry", "report", "status", "team-analyze", "team-coldstart", "team-review", "test", "train"];
const PERSON_ONLY = Object.keys(release130.personOnly ?? {}).sort();

const fixture = useClientFixture({ fill: false });
let cost: ContextCost;

beforeAll(async () => {
  cost = await measureContextCost(fixture.bundle);
});

/** The description of the bundle's skill `name`. */
function description(name: string): string {
  const file = join(fixture.plugin, "skills", name, "SKILL.md");
  return String(readFrontmatter(file, readFileSync(file, "utf8"))?.data.description);
}

describe("what the plugin lists in every request", () => {
  it("one line per agent and per workflow the model may start, none twice; the person-only ones in no request", async () => {
    expect(PERSON_ONLY).toEqual(["deploy", "registry", "status", "team-coldstart", "team-review"]);
    const names = cost.lines.map((line) => /^- ml-automation:([\w-]+):/.exec(line)?.[1]);
    expect([...names].sort()).toEqual([...AGENTS, ...WORKFLOWS.filter((name) => !PERSON_ONLY.includes(name))].sort());
    // A conversation that starts one workflow: no request of it names a person-only workflow's description.
    const run = await runClaude({ home: fixture.home, cwd: fixture.project(), prompt: "/eda data/sales.csv", main: ["Understood."] });
    expect(run.conversation("main").length).toBeGreaterThan(0);
    for (const request of run.conversation("main")) {
      const text = allText(request.body);
      for (const name of PERSON_ONLY) {
        expect(text, name).not.toContain(description(name));
        expect(text, name).not.toContain(`- ml-automation:${name}:`);
      }
      expect(text).toContain(`- ml-automation:eda: ${description("eda")}`);
    }
  });

  it("adds at most 1,600 characters to a request (2,133 when every workflow was a listed command)", () => {
    expect(cost.added).toBeGreaterThan(1000);
    expect(cost.added).toBeLessThanOrEqual(1600);
  });
});

/** Runs `prompt` and returns what the model received, after checking the workflow `name` expanded in it. */
async function expanded(name: string, prompt: string): Promise<string> {
  const run = await runClaude({ home: fixture.home, cwd: fixture.project(), prompt, main: ["Understood."] });
  const [first] = run.conversation("main");
  expect(first, `${prompt}: nothing reached the model\n${run.stdout}\n${run.stderr}`).toBeDefined();
  const received = userText(first!.body);
  const title = CLAUDE_CODE_COMMANDS.has(name) ? `# /ml-automation:${name}` : `# /${name}`;
  expect(received, prompt).toContain(title);
  expect(received).not.toContain("${CLAUDE_PLUGIN_ROOT}");
  expect(received).not.toMatch(/(^|\s)!`/m);
  return received;
}

describe("every workflow reached as people type it, expanding in the real client", () => {
  it.each(WORKFLOWS.filter((name) => !CLAUDE_CODE_COMMANDS.has(name)))("/%s, bare", async (name) => {
    const received = await expanded(name, `/${name} data/sales.csv --target Revenue`);
    const skill = readFileSync(join(fixture.plugin, "skills", name, "SKILL.md"), "utf8");
    if (skill.includes("$ARGUMENTS") && name !== "registry") expect(received).toContain("data/sales.csv --target Revenue");
  });

  // A name Claude Code has itself (status) is typed namespaced: the client's own command wins the bare name.
  it.each(WORKFLOWS)("/ml-automation:%s, namespaced", async (name) => {
    await expanded(name, `/ml-automation:${name} data/sales.csv --target Revenue`);
  });

  it("/ml-automation:status followed as written: the copy step and the status command both run", async () => {
    const project = fixture.project();
    const bash = (command: string) => toolUse("Bash", { command, description: "status step" });
    const run = await runClaude({
      home: fixture.home,
      cwd: project,
      prompt: "/ml-automation:status",
      main: [
        (request) => bash(/Run `(ml-automation copy-runtime)`/.exec(userText(request))?.[1] ?? "false # no copy step found"),
        (request) => bash(/```bash\n\s*(python3 -c .*)\n/.exec(userText(request))?.[1] ?? "false # no status command found"),
        "Nothing has run yet.",
      ],
      args: ["--permission-mode", "acceptEdits"],
      env: { PATH: pathWithVenv() },
    });
    expect(run.unanswered).toEqual([]);
    const results = run.conversation("main").flatMap((request) => toolResults(request.body));
    expect(results.map((result) => result.isError)).toEqual([false, false]);
    expect(results[0]?.text).toContain("copied ml_utils.py into .");
    expect(JSON.parse(results[1]?.text ?? "{}")).toMatchObject({ completed: [], failed: [] });
    expect(readdirSync(project)).toContain("ml_utils.py");
  });
});

describe("bin/ml-automation copy-runtime, as the commands and agents use it", () => {
  it("copies, then leaves an identical copy alone, keeps a differing copy of its own as .bak, and never replaces a module of the user's", () => {
    const program = join(fixture.plugin, "bin", "ml-automation");
    const project = fixture.project();
    const copy = () => spawnSync(program, ["copy-runtime"], { cwd: project, encoding: "utf8" });
    expect(copy().stdout).toContain("copied ml_utils.py into .");
    expect(copy().stdout).toContain("up to date");
    const ours = readFileSync(join(fixture.plugin, "templates", "ml_utils.py"), "utf8");
    const edited = `${ours}# edited by hand\n`;
    writeFileSync(join(project, "ml_utils.py"), edited);
    expect(copy().stdout).toContain("the previous copy is ./ml_utils.py.bak");
    expect(readFileSync(join(project, "ml_utils.py.bak"), "utf8")).toBe(edited);
    writeFileSync(join(project, "ml_utils.py"), `${edited}# and again\n`);
    expect(copy().stdout).toContain("ml_utils.py.bak.1");
    expect(readFileSync(join(project, "ml_utils.py"), "utf8")).toBe(ours);
    writeFileSync(join(project, "ml_utils.py"), "# our team's own helpers\n");
    const refused = copy();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("is not a copy of the ml-automation plugin's ml_utils.py");
    expect(readFileSync(join(project, "ml_utils.py"), "utf8")).toBe("# our team's own helpers\n");
    expect(existsSync(join(project, "ml_utils.py.bak.2"))).toBe(false);
    const missing = spawnSync(program, ["copy-runtime", join(project, "nowhere")], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("is not a folder");
    expect(existsSync(join(project, "nowhere"))).toBe(false);
  });
});
