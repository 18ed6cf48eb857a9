/**
 * The registry's daily questions in the real Claude Code CLI, on a registry filled by a scikit-learn flow
 * (test/fixtures/registry_flow.py): `/registry diff champion best-challenger` (what changed between two
 * runs) and `/registry models --where EXPR --sort KEY` (finding a model) reach the model within the view
 * bound, and a bad expression's error, with its column, reaches it too.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { commandReaches, useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture();
const VIEW_BUDGET = 4096;

/** The registry command run directly in the filled project, as a person would in a terminal. */
function direct(args: string[]) {
  const result = spawnSync("python3", [join(fixture.plugin, "templates", "ml_automation.py"), "registry", ...args], { cwd: fixture.filled, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Types `/registry ARGS` in the CLI and returns the text the model received. */
function viaEditor(args: string) {
  return commandReaches(fixture, fixture.filled, `/registry ${args}`, "Here is what changed.");
}

it("/registry diff champion best-challenger: the model gets the diff, within the view bound, favouring the side the registry's numbers favour", async () => {
  const facts = JSON.parse(direct(["diff", "champion", "best-challenger", "--json"]).stdout) as {
    a: { id: string }; b: { id: string }; primary: { metric: string; a: number; b: number; favours: string };
  };
  const champion = JSON.parse(direct(["models", "--champion", "--json"]).stdout) as { model_id: string };
  expect(facts.a.id).toBe(champion.model_id);
  expect(facts.b.id).not.toBe(champion.model_id);
  expect(facts.primary.metric).toBe("rmse");
  expect(facts.primary.favours).toBe(facts.primary.a < facts.primary.b ? "a" : "b");
  const alone = direct(["diff", "champion", "best-challenger"]);
  expect(alone.status).toBe(0);
  const view = alone.stdout.trim();
  expect(Buffer.byteLength(view)).toBeLessThanOrEqual(VIEW_BUDGET);
  const received = await viaEditor("diff champion best-challenger");
  expect(received).toContain(view);
  const side = facts.primary.favours === "a" ? `favours A (${facts.a.id})` : `favours B (${facts.b.id})`;
  expect(received).toMatch(new RegExp(`Primary metric: rmse \\([^)]*\\), lower is better: A [\\d.]+ -> B [\\d.]+ \\([^)]*\\): ${side.replace(/[()]/g, "\\$&")}`));
  expect(received).toContain("Parameters: ");
  expect(received).toContain("Data: the same version, sha256:");
  expect(received).toContain("**diff A B**");
});

it("/registry models --where with a quoted expression and --sort: the matching models, best first", async () => {
  const expression = "rmse > 50 and algorithm ~ regressor";
  const alone = direct(["models", "--where", expression, "--sort", "rmse"]);
  expect(alone.status).toBe(0);
  expect(alone.stdout).toContain(`Models matching \`${expression}\` and sorted by rmse: 2 of 3`);
  const received = await viaEditor(`models --where '${expression}' --sort rmse`);
  expect(received).toContain(alone.stdout.trim());
  const rows = received.split("\n").filter((line) => line.startsWith("| model_"));
  expect(rows.map((row) => row.split(" | ")[0])).toEqual(alone.stdout.split("\n").filter((line) => line.startsWith("| model_")).map((row) => row.split(" | ")[0]));
  expect(rows).toHaveLength(2);
});

it("a bad expression: its column and what was expected reach the model; no shell runs it", async () => {
  const received = await viaEditor("models --where 'rmse < 60 and; touch pwned'");
  expect(received).toContain("column 14: unexpected character ';'");
  expect(received).toMatch(/exited with status 2/);
  expect(spawnSync("test", ["-e", join(fixture.filled, "pwned")]).status).toBe(1);
});
