/**
 * Releases as a chain: sources are brought through every release from their own version on, so the
 * next release is one more data file anchored on 1.3.0's output. A small fixture release 1.3.1
 * (test/fixtures/releases/1.3.1) proves the chain and its idempotency.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlugin, releaseChain } from "../../generator/build.ts";
import { sourceErrorsOf } from "../../generator/errors.ts";
import type { Release } from "../../generator/release.ts";
import { release130 } from "../../generator/releases/v1.3.0.ts";
import { compileRuntime } from "../../generator/runtime.ts";
import { runtimeParts } from "../../generator/runtime-build.ts";
import { loadSources } from "../../generator/sources.ts";
import { readTree, repoRoot, tempDir } from "../helpers.ts";

/** Release 1.3.1 of the fixture: anchored on sections 1.3.0 inserts. */
const release131: Release = {
  version: "1.3.1",
  templateDir: "test/fixtures/releases/1.3.1",
  description: { mention: "data drift", sentence: "Checks data drift against recorded data versions." },
  rewrites: [],
  insertions: [
    { file: "agents/eda-analyst.md", placement: { kind: "before", heading: { depth: 2, text: /^Data Versioning \(v1\.3\.0\)/ } }, template: "fragments/eda-drift.md.hbs" },
    { file: "README.md", placement: { kind: "before", heading: { depth: 2, text: "What's New in v1.3.0" } }, template: "fragments/readme-whats-new.md.hbs" },
  ],
  newFiles: [],
  runtimeSections: [],
  runtimeApi: [],
};

const work = tempDir("mla-chain-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function build(source: string, out: string, releases: Release[]) {
  return buildPlugin({ source, out, releases, templateRoot: repoRoot });
}

describe("a chain of releases", () => {
  const chained = join(work, "chained");
  const result = build(repoRoot, chained, [release130, release131]);

  it("brings 1.2.1 sources through 1.3.0 then 1.3.1, the second anchored on the first's output", () => {
    expect([result.from, result.applied, result.version]).toEqual(["1.2.1", ["1.3.0", "1.3.1"], "1.3.1"]);
    const eda = readFileSync(join(chained, "ml-automation", "agents", "eda-analyst.md"), "utf8");
    expect(eda.indexOf("## Data Drift (v1.3.1)")).toBeGreaterThan(0);
    expect(eda.indexOf("## Data Drift (v1.3.1)")).toBeLessThan(eda.indexOf("## Data Versioning (v1.3.0)"));
    expect(result.edits.filter((edit) => edit.release === "1.3.1").map((edit) => [edit.file, edit.action])).toEqual([["agents/eda-analyst.md", "inserted"], ["README.md", "inserted"]]);
    const claude = JSON.parse(readFileSync(join(chained, "ml-automation", ".claude-plugin", "plugin.json"), "utf8"));
    expect(claude.version).toBe("1.3.1");
    expect(claude.description).toMatch(/MLOps registry layer.*data drift/);
  });

  it("is idempotent: the chained bundle released again is byte-identical", () => {
    const again = join(work, "again");
    const second = build(chained, again, [release130, release131]);
    expect(second.applied).toEqual(["1.3.1"]);
    expect(second.edits.every((edit) => edit.action === "unchanged")).toBe(true);
    expect(readTree(again)).toEqual(readTree(chained));
  });

  it("moves a 1.3.0 bundle forward to the same result as building from 1.2.1", () => {
    const at130 = join(work, "at130");
    build(repoRoot, at130, [release130]);
    const forward = join(work, "forward");
    expect(build(at130, forward, [release130, release131]).applied).toEqual(["1.3.0", "1.3.1"]);
    expect(readTree(forward)).toEqual(readTree(chained));
  });

  it("moves a 1.3.0 bundle built before the split (one ml_utils.py holding the commands) to the same modules", () => {
    const at130 = join(work, "at130-split");
    build(repoRoot, at130, [release130]);
    const templates = join(at130, "ml-automation", "templates");
    const names = ["ml_utils.py", "ml_automation.py", "ml_utils_mlflow.py"];
    const built = names.map((name) => readFileSync(join(templates, name), "utf8"));
    const parts = runtimeParts(loadSources(repoRoot), release130, repoRoot);
    // What every bundle held before: the library's sections, then the command sections it had (the
    // snapshot, repair, sync and api were not sections of their own yet), in one file, nothing beside it.
    const before = ["LINEAGE GRAPH", "REGISTRY REPORT", "REGISTRY COMMAND LINE", "EDITOR COMMANDS", "RUNTIME COPY", "COMMAND LINE"];
    writeFileSync(join(templates, "ml_utils.py"), compileRuntime([...parts.library, ...parts.commands.filter((section) => before.includes(section.key))]));
    rmSync(join(templates, "ml_automation.py"));
    rmSync(join(templates, "ml_utils_mlflow.py"));
    const forward = join(work, "forward-split");
    build(at130, forward, [release130]);
    expect(names.map((name) => readFileSync(join(forward, "ml-automation", "templates", name), "utf8"))).toEqual(built);
  });

  it("refuses sources newer than the last release", () => {
    try {
      build(chained, join(work, "back"), [release130]);
      throw new Error("expected a refusal");
    } catch (error) {
      expect(sourceErrorsOf(error)?.map((problem) => problem.ruleId)).toContain("manifest-version-newer");
    }
  });

  it("orders releases by version and starts at the sources' own", () => {
    expect(releaseChain([release131, release130], "1.2.1").map((release) => release.version)).toEqual(["1.3.0", "1.3.1"]);
    expect(releaseChain([release131, release130], "1.3.0").map((release) => release.version)).toEqual(["1.3.0", "1.3.1"]);
    expect(releaseChain([release131, release130], "1.3.1").map((release) => release.version)).toEqual(["1.3.1"]);
  });
});
