/**
 * The bundle as Claude Code lists and runs it: one listing line per workflow and agent, what the
 * plugin adds to every request, and every command expanding in the real client (no variable or `!`
 * line left for the model to puzzle over), followed through where it runs something.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runClaude } from "./harness/claude.ts";
import { measureContextCost, type ContextCost } from "./harness/context-cost.ts";
import { pathWithVenv } from "./harness/project.ts";
import { toolUse } from "./harness/stand-in.ts";
import { toolResults, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const AGENTS = [
  "assigner", "brutal-code-reviewer", "developer", "eda-analyst", "feature-engineering-analyst", "frontend-ux-analyst",
  "ml-theory-advisor", "mlops-engineer", "orchestrator", "pr-approver",
];
const COMMANDS = ["deploy", "eda", "evaluate", "preprocess", "registry", "report", "status", "team-analyze", "team-coldstart", "team-review", "test", "train"];

const fixture = useClientFixture({ fill: false });
let cost: ContextCost;

beforeAll(async () => {
  cost = await measureContextCost(fixture.bundle);
});

describe("what the plugin lists in every request", () => {
  it("one line per agent and per workflow, none twice", () => {
    const names = cost.lines.map((line) => /^- ml-automation:([\w-]+):/.exec(line)?.[1]);
    expect([...names].sort()).toEqual([...AGENTS, ...COMMANDS].sort());
  });

  it(`adds at most 2,400 characters to a request (the bar; 3,826 with every workflow listed twice)`, () => {
    expect(cost.added).toBeGreaterThan(1000);
    expect(cost.added).toBeLessThanOrEqual(2400);
  });
});

describe("every command expands in the real client", () => {
  it.each(COMMANDS)("/ml-automation:%s", async (name) => {
    const project = fixture.project();
    const run = await runClaude({ home: fixture.home, cwd: project, prompt: `/ml-automation:${name} data/sales.csv --target Revenue`, main: ["Understood."] });
    const [first] = run.conversation("main");
    expect(first, `${run.stdout}\n${run.stderr}`).toBeDefined();
    const received = userText(first!.body);
    expect(received).toContain(`# /ml-automation:${name}`);
    expect(received).not.toContain("${CLAUDE_PLUGIN_ROOT}");
    expect(received).not.toMatch(/(^|\s)!`/m);
    const source = readFileSync(join(fixture.plugin, "commands", `${name}.md`), "utf8");
    if (source.includes("$ARGUMENTS") && name !== "registry") expect(received).toContain("data/sales.csv --target Revenue");
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
  it("copies, then leaves an identical copy alone, and keeps a differing one as .bak", () => {
    const program = join(fixture.plugin, "bin", "ml-automation");
    const project = fixture.project();
    const copy = () => spawnSync(program, ["copy-runtime"], { cwd: project, encoding: "utf8" });
    expect(copy().stdout).toContain("copied ml_utils.py into .");
    expect(copy().stdout).toContain("up to date");
    writeFileSync(join(project, "ml_utils.py"), "# an older copy, edited by hand\n");
    expect(copy().stdout).toContain("the previous copy is ./ml_utils.py.bak");
    expect(readFileSync(join(project, "ml_utils.py.bak"), "utf8")).toBe("# an older copy, edited by hand\n");
    writeFileSync(join(project, "ml_utils.py"), "# another\n");
    expect(copy().stdout).toContain("ml_utils.py.bak.1");
    expect(readFileSync(join(project, "ml_utils.py"), "utf8")).toBe(readFileSync(join(fixture.plugin, "templates", "ml_utils.py"), "utf8"));
    const missing = spawnSync(program, ["copy-runtime", join(project, "nowhere")], { encoding: "utf8" });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("is not a folder");
    expect(existsSync(join(project, "nowhere"))).toBe(false);
  });
});
