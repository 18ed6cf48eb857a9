/**
 * skillsaw (PyPI), a third-party linter of plugins and skills, on the built bundle with the project's
 * settings (.skillsaw.yaml): no error and no warning; a rule is switched off only with a reason.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { venvBin } from "./harness/project.ts";
import { repoRoot, runBuild, tempDir } from "./helpers.ts";

const work = tempDir("mla-skillsaw-");
const dist = join(work, "dist");
const config = join(repoRoot, ".skillsaw.yaml");
const skillsaw = join(venvBin, process.platform === "win32" ? "skillsaw.exe" : "skillsaw");

interface Lint {
  status: number | null;
  violations: Array<{ rule_id: string; severity: string; file_path: string; line: number | null; message: string }>;
  summary: { errors: number; warnings: number; grade: { letter: string } };
}

/** Runs `skillsaw lint` on `dir` with the project's settings, as JSON. */
function lint(dir: string): Lint {
  if (!existsSync(skillsaw)) throw new Error(`${skillsaw} is missing: run \`node scripts/python-env.mjs\` (npm test does)`);
  const result = spawnSync(skillsaw, ["lint", "--no-color", "--no-progress", "--no-plugins", "-c", config, "--format", "json", dir], { encoding: "utf8" });
  const report = JSON.parse(result.stdout) as Omit<Lint, "status">;
  return { status: result.status, ...report };
}

beforeAll(() => expect(runBuild(["--out", dist]).status).toBe(0));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("skillsaw lint on the built bundle", () => {
  it("finds no error and no warning", () => {
    const result = lint(dist);
    expect(result.violations.filter((violation) => violation.severity !== "info").map((violation) => `${violation.file_path}:${violation.line} ${violation.rule_id}: ${violation.message}`)).toEqual([]);
    expect(result.summary).toMatchObject({ errors: 0, warnings: 0 });
    expect(result.status).toBe(0);
  });

  it("fails on an agent whose description does not say when to use it (the check can fail)", () => {
    const copy = join(work, "vague");
    cpSync(dist, copy, { recursive: true });
    const agent = join(copy, "ml-automation", "agents", "eda-analyst.md");
    writeFileSync(agent, readFileSync(agent, "utf8").replace(/^description: .*$/m, "description: Profiles a dataset."));
    const result = lint(copy);
    expect(result.violations).toContainEqual(expect.objectContaining({ rule_id: "content-description-routing", severity: "warning", file_path: expect.stringContaining("agents/eda-analyst.md") }));
    expect(result.status).not.toBe(0);
  });
});

describe("the project's skillsaw settings", () => {
  it("fail on warnings, and switch a rule off only with a reason on the line before it", () => {
    const text = readFileSync(config, "utf8");
    const settings = parse(text) as { "fail-on"?: string; rules?: Record<string, { enabled?: unknown }> | null };
    expect(settings["fail-on"]).toBe("warning");
    const lines = text.split("\n");
    for (const [rule, value] of Object.entries(settings.rules ?? {})) {
      if (value?.enabled !== false) continue;
      const at = lines.findIndex((line) => line.trim() === `${rule}:`);
      expect(lines[at - 1]?.trim(), `${rule} is switched off without a reason`).toMatch(/^# \S.{10,}/);
    }
  });
});
