/**
 * The next release, as a maintainer ships it, in a copy of the repository: `npm run new-release`
 * scaffolds the release after the current one (a version bump as written), the maintainer fills it
 * (a section before an agent's Agent Report Bus, a paragraph at the end of a team-coldstart stage, a
 * rewritten phrase, a new command with its README row, a description sentence), and it builds,
 * verifies and dry-runs with --since. Verify then covers the whole chain: a bundle missing what an
 * earlier release added fails, naming that release. Nothing here names a release: the current one is
 * read from the release list, so this test holds for every next release.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentRelease } from "../../generator/releases/index.ts";
import { brokenBundle, copyRepository, readTree, repoRoot, runBuild, runIn, tempDir } from "../helpers.ts";

const current = currentRelease.version;
const next = semver.inc(current, "patch") ?? "";
const repo = copyRepository();
const work = tempDir("mla-next-");
const dist = join(work, "dist");
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The release data a maintainer writes into the scaffolded file. */
const DATA = `import type { ReleaseData } from "../release.ts";

/** Release ${next}: data drift checks. */
const release: ReleaseData = {
  version: "${next}",
  description: { mention: "data drift", sentence: "Checks new data for data drift against the recorded data versions." },
  insertions: [
    { file: "agents/eda-analyst.md", placement: { kind: "before", heading: { depth: 2, text: /^Agent Report Bus\\b/ } }, template: "fragments/eda-drift.md.hbs" },
    { file: "commands/team-coldstart.md", placement: { kind: "endOfSection", heading: { depth: 3, text: /^Stage 5c:/ } }, template: "fragments/coldstart-drift-note.md.hbs" },
    { file: "README.md", placement: [{ kind: "tableRow", section: { depth: 2, text: "Commands" } }, { kind: "tableRow", section: { depth: 2, text: /^Skills\\b/ } }], template: "fragments/readme-probe-row.md.hbs" },
  ],
  rewrites: [{ file: "commands/team-coldstart.md", section: { depth: 3, text: /^Stage 5c:/ }, from: "When the registries are complete", to: "When the registries are complete and no drift is flagged" }],
  newFiles: [{ file: "commands/drift-probe.md", template: "files/commands/drift-probe.md.hbs" }],
};

export default release;
`;

const TEMPLATES: Record<string, string> = {
  "fragments/eda-drift.md.hbs": "## Data Drift (v{{version}})\n\nBefore profiling new data, compare it with the last recorded data version and report what drifted.\n",
  "fragments/coldstart-drift-note.md.hbs": "**Drift (v{{version}}):** when the data changed since the champion was trained, say so before Stage 6.\n",
  "fragments/readme-probe-row.md.hbs": "| `drift-probe` | Compare new data with the recorded data versions |\n",
  "files/commands/drift-probe.md.hbs":
    '---\ndescription: Compare new data with the recorded data versions.\nargument-hint: "<data-file>"\n---\n\n# /drift-probe\n\nCompare the data file in $ARGUMENTS with the last recorded data version and list the columns that drifted.\n',
};

/** Runs the copy's verify on `bundle`. */
const verify = (bundle: string) => runIn(repo, "scripts/verify.ts", ["--bundle", bundle]);

/** A copy of the built bundle with `change` made to one of its plugin files. */
const broken = (name: string, path: string, change: (text: string) => string) => brokenBundle(dist, join(work, name), path, change);

describe(`the next release (${next}), scaffolded, filled, built and verified`, () => {
  let scaffold: ReturnType<typeof runIn>;
  let bump: ReturnType<typeof runIn>;
  beforeAll(() => {
    scaffold = runIn(repo, "generator/new-release.ts", [next]);
    bump = runIn(repo, "generator/cli.ts", ["--dry-run", "--since", current]);
  });

  it("npm run new-release writes the data file with an example of each placement kind, the templates folder, and registers it", () => {
    expect(scaffold.stderr).toBe("");
    expect(scaffold.status).toBe(0);
    const data = readFileSync(join(repo, "generator", "releases", `v${next}.ts`), "utf8");
    for (const kind of ["before", "endOfSection", "endOfDocument", "afterBlock", "inListItem", "tableRow"]) expect(data).toContain(`kind: "${kind}"`);
    expect(data).toContain(`version: "${next}"`);
    expect(existsSync(join(repo, "templates", "releases", next, "fragments", "example-section.md.hbs"))).toBe(true);
    const index = readFileSync(join(repo, "generator", "releases", "index.ts"), "utf8");
    expect(index).toContain(`{ file: "generator/releases/v${next}.ts", data: v${next.replace(/\./g, "_")} },\n];`);
  });

  it("as scaffolded, the release is a version bump: --since the current release shows the three manifests and the version stamp of the runtime, nothing else", () => {
    expect(bump.stderr).toBe("");
    expect(bump.status).toBe(0);
    expect(bump.stdout).toContain(`what release ${next} changes in the bundle of ${current}`);
    expect([...bump.stdout.matchAll(/^diff --git a\/(\S+) /gm)].map((match) => match[1])).toEqual([
      ".claude-plugin/marketplace.json",
      "ml-automation/.claude-plugin/plugin.json",
      "ml-automation/.cursor-plugin/plugin.json",
      // The library's stamp (and the mirror client's record of it) names the version.
      "ml-automation/templates/ml_utils.py",
      "ml-automation/templates/ml_utils_mlflow.py",
    ]);
    expect(bump.stdout).toContain(`+  "version": "${next}",`);
  });

  it("refuses a version that is not newer, one already scaffolded, and one that is not semver, writing nothing", () => {
    const before = readTree(join(repo, "generator"));
    const older = runIn(repo, "generator/new-release.ts", [current]);
    expect(older.status).toBe(1);
    expect(older.stderr).toContain(`release ${current} would not be newer than the current release ${next}`);
    const again = runIn(repo, "generator/new-release.ts", [next]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("would not be newer");
    expect(runIn(repo, "generator/new-release.ts", ["1.4"]).status).toBe(2);
    expect(readTree(join(repo, "generator"))).toEqual(before);
  });

  it("its commented examples build when a maintainer uncomments them: the description, one insertion per placement kind and the rewrite (found in review: two did not)", () => {
    const file = join(repo, "generator", "releases", `v${next}.ts`);
    const scaffolded = readFileSync(file, "utf8");
    // The examples whose templates the scaffold writes (newFiles, hooks and runtime sections name files it leaves to the maintainer).
    const uncommented = scaffolded.replace(/^( *)\/\/ (\{ file: |description: |rewrites: )/gm, "$1$2");
    expect(uncommented.match(/^ +\{ file: /gm)).toHaveLength(6);
    writeFileSync(file, uncommented);
    try {
      const examples = runIn(repo, "generator/cli.ts", ["--out", join(work, "examples")]);
      expect(examples.stderr).toBe("");
      expect(examples.status).toBe(0);
      const applied = [...examples.stdout.matchAll(new RegExp(`^ {2}(\\S+?)(?::\\d+)? +${next.replace(/\./g, "\\.")} +(inserted|replaced) `, "gm"))].map((match) => `${match[1]} ${match[2]}`);
      expect(applied.sort()).toEqual([
        "README.md inserted",
        "agents/developer.md inserted",
        "agents/eda-analyst.md inserted",
        "commands/team-analyze.md inserted",
        "commands/team-coldstart.md inserted",
        "commands/team-coldstart.md inserted",
        "commands/team-coldstart.md replaced",
      ]);
      const claude = JSON.parse(readFileSync(join(work, "examples", "ml-automation", ".claude-plugin", "plugin.json"), "utf8"));
      expect(claude.description).toMatch(/data drift/);
    } finally {
      writeFileSync(file, scaffolded);
    }
  });

  it("the README's example of each placement kind builds as printed (found in review: its afterBlock named a code block the Workflow section does not have)", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("**Placements**")))?.[1] ?? "";
    const examples = block.split("\n").filter((line) => line.startsWith("{ file: "));
    expect(examples.map((line) => /kind: "(\w+)"/.exec(line)?.[1])).toEqual(["before", "endOfSection", "endOfDocument", "afterBlock", "inListItem", "tableRow"]);
    const file = join(repo, "generator", "releases", `v${next}.ts`);
    const scaffolded = readFileSync(file, "utf8");
    const templates = [...new Set(examples.map((line) => /template: "([^"]+)"/.exec(line)?.[1] ?? ""))];
    // Each template is what its placement takes, as its name says: a table row, a bold-lead note, or a section.
    const fragment = (template: string) => (template.includes("-row") ? "| `drift` | Compare new data with the recorded data versions |\n" : template.includes("-note") ? "**Drift (v{{version}}):** say so.\n" : "## Data Drift (v{{version}})\n\nCompare.\n");
    for (const template of templates) writeFileSync(join(repo, "templates", "releases", next, template), fragment(template));
    writeFileSync(file, `import type { ReleaseData } from "../release.ts";\n\nconst release: ReleaseData = {\n  version: "${next}",\n  insertions: [\n${examples.map((line) => `    ${line.replace(/,?$/, ",")}\n`).join("")}  ],\n};\n\nexport default release;\n`);
    try {
      const built = runIn(repo, "generator/cli.ts", ["--out", join(work, "readme-examples")]);
      expect(built.stderr).toBe("");
      expect(built.status).toBe(0);
      expect(built.stdout.match(new RegExp(` ${next.replace(/\./g, "\\.")} +inserted `, "g"))).toHaveLength(examples.length);
    } finally {
      writeFileSync(file, scaffolded);
      for (const template of templates) rmSync(join(repo, "templates", "releases", next, template));
    }
  });

  describe("filled", () => {
    let build: ReturnType<typeof runIn>;
    let since: ReturnType<typeof runIn>;
    beforeAll(() => {
      writeFileSync(join(repo, "generator", "releases", `v${next}.ts`), DATA);
      rmSync(join(repo, "templates", "releases", next), { recursive: true });
      for (const [path, text] of Object.entries(TEMPLATES)) {
        const file = join(repo, "templates", "releases", next, path);
        mkdirSync(join(file, ".."), { recursive: true });
        writeFileSync(file, text);
      }
      build = runIn(repo, "generator/cli.ts", ["--out", dist]);
      since = runIn(repo, "generator/cli.ts", ["--dry-run", "--since", current, "--out", dist]);
    });

    it("builds the new current release through every earlier one", () => {
      expect(build.stderr).toBe("");
      expect(build.status).toBe(0);
      expect(build.stdout).toContain(`Built ml-automation ${next} into`);
      expect(build.stdout).toMatch(new RegExp(`Releases applied: .*${current} -> ${next.replace(/\./g, "\\.")}\\n`));
      const eda = readFileSync(join(dist, "ml-automation", "agents", "eda-analyst.md"), "utf8");
      expect(eda.indexOf(`## Data Drift (v${next})`)).toBeLessThan(eda.indexOf("## Agent Report Bus"));
      expect(eda.indexOf("## Data Versioning (v1.3.0)")).toBeLessThan(eda.indexOf(`## Data Drift (v${next})`));
      const claude = JSON.parse(readFileSync(join(dist, "ml-automation", ".claude-plugin", "plugin.json"), "utf8"));
      expect(claude.version).toBe(next);
      expect(claude.description).toMatch(/MLOps registry layer.*\. Checks new data for data drift against the recorded data versions\.$/);
    });

    it("passes verify, which checks every release from the sources' version on", () => {
      const result = verify(dist);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`ok {4}releases .*${current}, ${next.replace(/\./g, "\\.")} in place`));
    });

    it("--dry-run --since the previous release is what the new one changes, and git apply of it turns that release's bundle into this one", () => {
      expect(since.status).toBe(0);
      const files = [...since.stdout.matchAll(/^diff --git a\/(\S+) /gm)].map((match) => match[1]);
      // The files the release changes (a workflow's command is in its skill in the bundle), and what Cursor reads of them.
      expect(files.filter((file) => !file?.startsWith("ml-automation/cursor/"))).toEqual([
        ".claude-plugin/marketplace.json",
        "ml-automation/.claude-plugin/plugin.json",
        "ml-automation/.cursor-plugin/plugin.json",
        "ml-automation/README.md",
        "ml-automation/agents/eda-analyst.md",
        "ml-automation/skills/drift-probe/SKILL.md",
        "ml-automation/skills/team-coldstart/SKILL.md",
        "ml-automation/templates/ml_utils.py",
        "ml-automation/templates/ml_utils_mlflow.py",
      ]);
      expect(files).toEqual(expect.arrayContaining(["ml-automation/cursor/agents/eda-analyst.md", "ml-automation/cursor/skills/drift-probe/SKILL.md"]));
      expect(since.stdout).toContain(`\n+## Data Drift (v${next})\n`);
      const previous = join(work, "previous");
      expect(runBuild(["--out", previous]).status).toBe(0);
      const applied = spawnSync("git", ["apply", "-"], { cwd: previous, input: since.stdout, encoding: "utf8" });
      expect(applied.stderr).toBe("");
      const withoutRecord = (dir: string) => {
        const tree = readTree(dir);
        tree.delete(".build-record.json");
        return tree;
      };
      expect(withoutRecord(previous)).toEqual(withoutRecord(dist));
    });

    it.each([
      ["a section of an earlier release", "agents/eda-analyst.md", (text: string) => text.replace(/## Data Versioning \(v1\.3\.0\)[\s\S]*?(?=## Data Drift)/, ""), /`## Data Versioning \(v1\.3\.0\)` should appear exactly once in the document, found 0\n {4}\(asked for by release 1\.3\.0, generator\/releases\/v1\.3\.0\.ts:\d+:\d+ \(insertions\[\d+\]\)\)/],
      ["a runtime function of an earlier release", "templates/ml_utils.py", (text: string) => text.replace("def load_data_versions(", "def load_data_versions_gone("), /does not define load_data_versions, which release 1\.3\.0 needs/],
      ["the new command's README row", "README.md", (text: string) => text.replace(/\n\| `drift-probe` [^\n]*/, ""), /the table of section "(?:Commands|Skills)" has no row for `drift-probe` \((?:commands\/drift-probe\.md|skills\/drift-probe\/SKILL\.md)\)/],
    ])("fails verify without %s, naming it", (_name, path, change, message) => {
      const result = verify(broken(_name.replace(/\W+/g, "-"), path, change));
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
    });
  });
});
