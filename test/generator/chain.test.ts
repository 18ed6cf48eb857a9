/**
 * Releases as a chain: sources are brought through every release from their own version on, so the
 * next release is one more data file anchored on the current one's output. A small fixture release
 * numbered after the current one (test/fixtures/releases/next) proves the chain and its idempotency,
 * whatever the current release is.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlugin, releaseChain } from "../../generator/build.ts";
import { sourceErrorsOf } from "../../generator/errors.ts";
import { releaseSchema, type Release } from "../../generator/release.ts";
import { currentRelease, releases } from "../../generator/releases/index.ts";
import { compileRuntime } from "../../generator/runtime.ts";
import { runtimeParts } from "../../generator/runtime-build.ts";
import { loadSources } from "../../generator/sources.ts";
import { readTree, repoRoot, tempDir } from "../helpers.ts";

const next = semver.inc(currentRelease.version, "patch") ?? "";

/** The fixture release after the current one: a section before one of 1.3.0's, and a README section (checked like any release). */
const fixture: Release = releaseSchema.parse({
  version: next,
  templateDir: "test/fixtures/releases/next",
  description: { mention: "data drift", sentence: "Checks data drift against recorded data versions." },
  insertions: [
    { file: "agents/eda-analyst.md", placement: { kind: "before", heading: { depth: 2, text: /^Data Versioning \(v1\.3\.0\)/ } }, template: "fragments/eda-drift.md.hbs" },
    { file: "README.md", placement: { kind: "before", heading: { depth: 2, text: "License" } }, template: "fragments/readme-whats-new.md.hbs" },
  ],
});
const all = [...releases, fixture];
const versions = all.map((release) => release.version);

const work = tempDir("mla-chain-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function build(source: string, out: string, list: Release[]) {
  return buildPlugin({ source, out, releases: list, templateRoot: repoRoot });
}

describe("a chain of releases", () => {
  const chained = join(work, "chained");
  const result = build(repoRoot, chained, all);

  it("brings 1.2.1 sources through every release then the next, the next anchored on an earlier one's output", () => {
    expect([result.from, result.applied, result.version]).toEqual(["1.2.1", versions, next]);
    const eda = readFileSync(join(chained, "ml-automation", "agents", "eda-analyst.md"), "utf8");
    expect(eda.indexOf(`## Data Drift (v${next})`)).toBeGreaterThan(0);
    expect(eda.indexOf(`## Data Drift (v${next})`)).toBeLessThan(eda.indexOf("## Data Versioning (v1.3.0)"));
    expect(result.edits.filter((edit) => edit.release === next).map((edit) => [edit.file, edit.action])).toEqual([["agents/eda-analyst.md", "inserted"], ["README.md", "inserted"]]);
    const claude = JSON.parse(readFileSync(join(chained, "ml-automation", ".claude-plugin", "plugin.json"), "utf8"));
    expect(claude.version).toBe(next);
    expect(claude.description).toMatch(/MLOps registry layer.*data drift/);
  });

  it("is idempotent: the chained bundle released again is byte-identical", () => {
    const again = join(work, "again");
    const second = build(chained, again, all);
    expect(second.applied).toEqual([next]);
    expect(second.edits.every((edit) => edit.action === "unchanged")).toBe(true);
    expect(readTree(again)).toEqual(readTree(chained));
  });

  it("moves a bundle of the current release forward to the same result as building from 1.2.1", () => {
    const atCurrent = join(work, "at-current");
    build(repoRoot, atCurrent, releases);
    const forward = join(work, "forward");
    expect(build(atCurrent, forward, all).applied).toEqual([currentRelease.version, next]);
    expect(readTree(forward)).toEqual(readTree(chained));
  });

  it("moves a 1.3.0 bundle built before the split (one ml_utils.py holding the commands) to the same modules", () => {
    const release130 = releases.find((release) => release.version === "1.3.0")!;
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
      build(chained, join(work, "back"), releases);
      throw new Error("expected a refusal");
    } catch (error) {
      expect(sourceErrorsOf(error)?.map((problem) => problem.ruleId)).toContain("manifest-version-newer");
    }
  });

  it("orders releases by version and starts at the sources' own", () => {
    const reversed = [...all].reverse();
    expect(releaseChain(reversed, "1.2.1").map((release) => release.version)).toEqual(versions);
    expect(releaseChain(reversed, currentRelease.version).map((release) => release.version)).toEqual([currentRelease.version, next]);
    expect(releaseChain(reversed, next).map((release) => release.version)).toEqual([next]);
  });
});
