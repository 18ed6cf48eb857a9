/**
 * The agents' registry steps as written, executed in the real Claude Code CLI: a scripted main
 * conversation hands the work to the plugin's agents (Agent tool), and each scripted agent copies the
 * runtime and runs the code block of its 1.3.0 section, taken from the system prompt it received,
 * through the Write and Bash tools, then leaves its report as its Agent Report Bus section says. The
 * registry files afterwards hold what the steps recorded, and the report check never had to step in.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runClaude, type RunResult } from "./harness/claude.ts";
import { pathWithVenv, venvPython } from "./harness/project.ts";
import type { MessagesRequest, ReplyBlock, Turn } from "./harness/stand-in.ts";
import { systemText, toolResults, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture({ fill: false });
let project: string;
let run: RunResult;

/** The first python code block after the heading `heading` in `text` (a system prompt). */
function codeBlockAfter(text: string, heading: string): string {
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`the agent's system prompt has no "${heading}"`);
  const block = /```python\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!block?.[1]) throw new Error(`no python block after "${heading}"`);
  return block[1];
}

/** The command the agent's instructions give for putting the runtime into the project. */
function copyCommandIn(text: string): string {
  const command = /Run `(ml-automation copy-runtime)`/.exec(text)?.[1];
  if (!command) throw new Error("the agent's system prompt does not say how to get ml_utils.py");
  return command;
}

const bash = (command: string): ReplyBlock[] => [{ type: "tool_use", name: "Bash", input: { command, description: "registry step" } }];
const write = (file: string, content: string): ReplyBlock[] => [{ type: "tool_use", name: "Write", input: { file_path: file, content } }];
const spawnAgent = (agent: string, prompt: string): ReplyBlock[] => [
  { type: "tool_use", name: "Agent", input: { subagent_type: `ml-automation:${agent}`, description: `${agent} registry step`, prompt } },
];

/**
 * The turns of one agent: `replies` (each made from the agent's system prompt), then its report as its
 * Agent Report Bus section says (the plugin's report check stops an agent without one), then its last
 * words.
 */
function agentTurns(name: string, replies: Array<(system: string) => ReplyBlock[] | string>, last: string): Turn[] {
  const report = [
    (system: string) => write(join(project, "steps", `report_${name.replace(/-/g, "_")}.py`), `${codeBlockAfter(system, "## Agent Report Bus (v1.2.0)")}\n`),
    () => bash(`python3 -m steps.report_${name.replace(/-/g, "_")}`),
  ];
  return [...replies, ...report, () => last].map((reply) => (request: MessagesRequest) => reply(systemText(request)));
}

const FINGERPRINT = 'FP = load_data_versions()[0]["fingerprint"]  # the eda-analyst\'s data version\n';
const withFingerprint = (code: string) => FINGERPRINT + code.replace('"sha256:..."', "FP");

beforeAll(async () => {
  project = fixture.project();
  mkdirSync(join(project, "data"));
  // A small marketing table with the columns the agents' examples use.
  const rows = ["week,tv_spend,price,Revenue"];
  for (let week = 0; week < 120; week++) {
    const spend = 1000 + ((week * 37) % 500);
    const price = 20 + (week % 7);
    rows.push(`${week},${spend},${price},${(spend * 3.1 - price * 40 + (week % 13) * 25).toFixed(2)}`);
  }
  writeFileSync(join(project, "data", "sales.csv"), rows.join("\n") + "\n");

  const agent = (name: string) => `ml-automation:${name}`;
  const main: Turn[] = [
    spawnAgent("eda-analyst", "Profile data/sales.csv (target Revenue) and record its data version."),
    spawnAgent("feature-engineering-analyst", "Register the features you keep."),
    spawnAgent("developer", "Log the training run."),
    spawnAgent("mlops-engineer", "Register the model, promote it if it beats the champion, and check its lineage."),
    "The registries are filled.",
  ];
  const agents: Record<string, Turn[]> = {
    [agent("eda-analyst")]: agentTurns("eda-analyst", [
      (system) => bash(copyCommandIn(system)),
      (system) => write(join(project, "steps", "data_version.py"), `import pandas as pd\n\ndf = pd.read_csv("data/sales.csv")\n${codeBlockAfter(system, "## Data Versioning (v1.3.0)")}\n`),
      () => bash("python3 -m steps.data_version"),
    ], "Data version recorded."),
    [agent("feature-engineering-analyst")]: agentTurns("feature-engineering-analyst", [
      (system) =>
        write(
          join(project, "steps", "features.py"),
          [
            "import pandas as pd",
            'df = pd.read_csv("data/sales.csv")',
            'df["spend_adstock_tv"] = df["tv_spend"].ewm(alpha=0.3).mean()',
            'df["price_lag_7"] = df["price"].shift(7)',
            "train = df.iloc[: int(len(df) * 0.7)]",
            codeBlockAfter(system, "## Feature Store Registration (v1.3.0)"),
            "",
          ].join("\n"),
        ),
      () => bash("python3 -m steps.features"),
    ], "Features registered."),
    [agent("developer")]: agentTurns("developer", [
      (system) => write(join(project, "steps", "experiment.py"), `from ml_utils import load_data_versions\n${withFingerprint(codeBlockAfter(system, "## Experiment Tracking (v1.3.0)"))}\n`),
      () => bash("python3 -m steps.experiment"),
    ], "Experiment logged."),
    [agent("mlops-engineer")]: agentTurns("mlops-engineer", [
      (system) => write(join(project, "steps", "model.py"), `from ml_utils import load_data_versions\n${withFingerprint(codeBlockAfter(system, "### Model Registry"))}\n`),
      () => bash("python3 -m steps.model"),
      () => bash("python3 ml_utils.py registry lineage model_20260223_143022"),
    ], "Model registered and promoted; lineage checked."),
  };
  run = await runClaude({
    home: fixture.home,
    cwd: project,
    prompt: "Record this project's data, features, training run and model in the registries.",
    main,
    agents,
    args: ["--permission-mode", "acceptEdits", "--allowedTools", "Bash(ml-automation:*)", "Bash(python3:*)", "Write"],
    env: { PATH: pathWithVenv() },
    timeoutMs: 180_000,
  });
}, 240_000);

describe("the agents' registry steps, followed as written in the real client", () => {
  it("run through every scripted step, each tool call succeeding", () => {
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(0);
    const failures = run.requests.flatMap((request) => toolResults(request.body).filter((result) => result.isError));
    expect(failures).toEqual([]);
    expect(run.unanswered).toEqual([]);
    expect(run.unusedTurns).toEqual([]);
    expect(run.requests.some((request) => userText(request.body).includes("ml-automation report check"))).toBe(false);
  });

  it("copied the runtime with the command the agent's instructions give", () => {
    expect(readFileSync(join(project, "ml_utils.py"), "utf8")).toBe(readFileSync(join(fixture.plugin, "templates", "ml_utils.py"), "utf8"));
  });

  it("left the registries holding the data version, the feature, the experiment and the champion", () => {
    const registry = join(project, "mlops");
    const read = (code: string) => {
      const result = spawnSync(venvPython, ["-c", `import json, ml_utils as m; print(json.dumps(${code}))`], { cwd: project, encoding: "utf8" });
      expect(result.stderr).toBe("");
      return JSON.parse(result.stdout) as unknown;
    };
    expect(existsSync(join(registry, "model-registry.json"))).toBe(true);
    const fingerprint = read('m.compute_data_fingerprint(__import__("pandas").read_csv("data/sales.csv"))');
    expect(read("[v['fingerprint'] for v in m.load_data_versions()]")).toEqual([fingerprint]);
    expect(read("[f['feature_id'] for f in m.load_feature_store()['features']]")).toEqual(["spend_adstock_tv"]);
    expect(read("[(e['experiment_id'], e['dataset']['fingerprint']) for e in m.load_experiments()]")).toEqual([["exp_20260223_143022", fingerprint]]);
    const champion = read("m.get_champion_model()") as Record<string, unknown>;
    expect(champion).toMatchObject({ model_id: "model_20260223_143022", status: "champion", training_experiment_id: "exp_20260223_143022", data_fingerprint: fingerprint });
  });

  it("showed the mlops-engineer the lineage, naming the feature nobody registered", () => {
    const lineage = run.requests.flatMap((request) => toolResults(request.body)).find((result) => result.text.includes("model_20260223_143022") && /lineage/i.test(result.text));
    const [version] = readdirSync(join(project, "mlops", "data-versions"));
    const fingerprint = /"fingerprint": "([^"]+)"/.exec(readFileSync(join(project, "mlops", "data-versions", version ?? ""), "utf8"))?.[1] ?? "";
    expect(fingerprint).toMatch(/^sha256:/);
    expect(lineage?.text).toContain(fingerprint.slice(0, 15));
    expect(lineage?.text).toContain("price_lag_7");
  });
});
