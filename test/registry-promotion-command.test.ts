/**
 * The champion's commands in the real Claude Code CLI, on a registry filled by a scikit-learn flow
 * (test/fixtures/registry_flow.py): `/registry promote ID` reaches the model as the policy's dry-run
 * verdict naming every failed rule and changes nothing; `/registry history` reaches it within the view
 * bound after many promotions; `/registry card ID` writes the model card beside the artifact, as the
 * command's prose tells the model, filled from the registry, and leaves the registry as it was.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { commandReaches, useClientFixture } from "./harness/fixtures.ts";
import { runPython } from "./harness/project.ts";

const fixture = useClientFixture();
const VIEW_BUDGET = 4096;

/** The registry command run directly in `cwd`, as a person would in a terminal. */
function direct(cwd: string, args: string[]) {
  const result = spawnSync("python3", [join(fixture.plugin, "templates", "ml_automation.py"), "registry", ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs Python `code` in `cwd` with the bundle's ml_utils importable as `mu`. */
function withRuntime(cwd: string, code: string) {
  return runPython(["-c", `import sys; sys.path.insert(0, ${JSON.stringify(join(fixture.plugin, "templates"))}); import ml_utils as mu\n${code}`], cwd);
}

/** Every file below `dir` with its bytes, to compare a project before and after a command. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, "latin1"));
    }
  };
  walk(dir);
  return files;
}

/** Types `/registry ARGS` in the CLI in `cwd` and returns the text the model received. */
function viaEditor(cwd: string, args: string) {
  return commandReaches(fixture, cwd, `/registry ${args}`);
}

it("/registry promote ID: the model gets the dry-run verdict naming every failed rule; nothing on disk changes", async () => {
  const project = fixture.project();
  // A challenger that fails three rules: a worse rmse, no r2 recorded, and a feature flagged high for leakage.
  withRuntime(project, [
    "features = mu.load_feature_store()['features']",
    "bmi = next(f for f in features if f['feature_id'] == 'bmi')",
    "mu.save_feature_entries([dict(bmi, leakage_risk='high')])",
    "mu.save_model_entry({'model_id': 'model_leaky', 'name': 'leaky', 'task_type': 'regression', 'algorithm': 'Ridge',",
    "  'metrics': {'rmse': 999.0, 'mae': 800.0}, 'feature_set': ['bmi', 'age']})",
  ].join("\n"));
  const champion = (JSON.parse(direct(project, ["models", "--champion", "--json"]).stdout) as { model_id: string }).model_id;
  const before = tree(project);
  const received = await viaEditor(project, "promote model_leaky");
  expect(received).toContain("Dry run, nothing changed: model_leaky would be refused");
  expect(received).toMatch(/- required_metrics: FAILED: [^\n]*r2/);
  expect(received).toMatch(new RegExp(`- no_regression: FAILED: against the champion ${champion}: rmse 999`));
  expect(received).toMatch(/- no_high_leakage: FAILED: [^\n]*bmi/);
  expect(received).toContain("- artifact: passed");
  expect(received).toContain("only shows what it would do");
  expect(received).toContain("**promote MODEL_ID**");
  expect(tree(project)).toEqual(before);
  expect((JSON.parse(direct(project, ["models", "--champion", "--json"]).stdout) as { model_id: string }).model_id).toBe(champion);
});

it("/registry history after many promotions: newest first, within the view bound, the rest counted", async () => {
  const project = fixture.project();
  withRuntime(project, [
    "for i in range(40):",
    "    mu.promote_model('model_random_forest' if i % 2 == 0 else 'model_ridge', override_reason=f'round {i} of a long back and forth, ' * 3)",
  ].join("\n"));
  const alone = direct(project, ["history"]);
  expect(alone.status).toBe(0);
  const view = alone.stdout.trim();
  expect(Buffer.byteLength(view)).toBeLessThanOrEqual(VIEW_BUDGET);
  expect(view).toMatch(/Promotion history, newest first \(41 promotions\); champion now: model_ridge\./);
  const received = await viaEditor(project, "history");
  expect(received).toContain(view);
  const entries = received.split("\n").filter((line) => /^- \d{4}-\d\d-\d\d /.test(line));
  expect(entries.length).toBeGreaterThan(0);
  expect(entries.length).toBeLessThan(41);
  expect(entries[0]).toContain("model_ridge");
  expect(received).toContain("round 39 of a long back and forth");
  expect(received).toMatch(/output cut at 4 KB: use --limit N or --all|and \d+ more/);
  expect(received).toContain("**history**");
});

it("/registry card ID: the card is written beside the artifact, filled from the registry, a person's text kept; the registry unchanged", async () => {
  const project = fixture.project();
  const model = (JSON.parse(direct(project, ["models", "--json", "--all"]).stdout) as { models: Array<{ model_id: string; metrics: Record<string, number> }> })
    .models.find((m) => m.model_id === "model_gradient_boosting")!;
  expect(model).toBeDefined();
  const registry = tree(join(project, "mlops"));
  const received = await viaEditor(project, "card model_gradient_boosting");
  const path = join(project, "models", "model_gradient_boosting.card.md");
  expect(received).toContain(`Wrote the model card of model_gradient_boosting: ${path} (`);
  expect(received).toContain("**card MODEL_ID**");
  expect(existsSync(path)).toBe(true);
  const card = readFileSync(path, "utf8");
  expect(card.startsWith("<!-- ml-automation model card: model_gradient_boosting;")).toBe(true);
  expect(card).toContain("| Model ID | model_gradient_boosting |");
  expect(card).toContain("| Algorithm | GradientBoostingRegressor |");
  const evaluation = /\| Split \| rmse \| mae \| r2 \|[^\n]*\n\|[-|]+\n\| unknown split \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|/.exec(card);
  expect(evaluation, card).not.toBeNull();
  expect(Number(evaluation![1])).toBeCloseTo(model.metrics.rmse!, 2);
  expect(Number(evaluation![2])).toBeCloseTo(model.metrics.mae!, 2);
  expect(Number(evaluation![3])).toBeCloseTo(model.metrics.r2!, 4);
  for (const part of ["Intended use", "Limitations", "Ethical considerations"]) expect(card).toContain(`## ${part}`);
  expect(card).toContain("_To be written by a person:");
  expect(tree(join(project, "mlops"))).toEqual(registry);
  // A person fills a marked place; the card written again from the editor keeps it.
  const filled = card.replace(/(<!-- person: intended-use -->\n)[^]*?(\n<!-- end person: intended-use -->)/, "$1Triage of diabetes follow-ups only.$2");
  expect(filled).not.toBe(card);
  spawnSync("sh", ["-c", 'cat > "$1"', "sh", path], { input: filled });
  const again = await viaEditor(project, "card model_gradient_boosting");
  expect(again).toContain("Wrote the model card of model_gradient_boosting");
  expect(readFileSync(path, "utf8")).toContain("Triage of diabetes follow-ups only.");
  expect(tree(join(project, "mlops"))).toEqual(registry);
});
