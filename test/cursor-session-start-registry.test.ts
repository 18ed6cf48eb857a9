/**
 * Cursor's sessionStart hook creates `.cursor/` in a project that may have had no platform folder;
 * the project's registry stays where it was (the runtime keeps writing to the registry folder that
 * already exists), so there are never two model-registry.json files that diverge. Found in review.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { venvPython } from "./harness/project.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture({ install: false });

it("a Cursor session start leaves the project's registry folder where it was (mlops/)", () => {
  const cwd = mkdtempSync(join(tmpdir(), "mla-cursor-split-project-"));
  try {
    cpSync(fixture.filled, cwd, { recursive: true });
    const hooks = JSON.parse(readFileSync(join(fixture.plugin, "cursor", "hooks.json"), "utf8")) as { hooks: Record<string, Array<{ command: string }>> };
    const command = hooks.hooks.sessionStart![0]!.command.replace(/\$\{CURSOR_PLUGIN_ROOT\}/g, fixture.plugin);
    const started = spawnSync("sh", ["-c", command], { cwd, input: JSON.stringify({ hook_event_name: "sessionStart", workspace_roots: [cwd] }), encoding: "utf8" });
    expect(started.status).toBe(0);
    const where = spawnSync(venvPython, ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(join(fixture.plugin, "templates"))}); import ml_utils; print(ml_utils.mlops_dir()); print(ml_utils.promote_model("model_random_forest"))`], { cwd, encoding: "utf8" });
    expect(where.status, where.stderr).toBe(0);
    expect(where.stdout.split("\n")[0]).toBe("mlops");
    expect(readFileSync(join(cwd, "mlops", "model-registry.json"), "utf8")).toMatch(/"model_id": "model_random_forest"[^\n]*"status": "champion"/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
