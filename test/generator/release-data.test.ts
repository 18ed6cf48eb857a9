/**
 * Release data is checked when the release list is loaded, against the one schema of release.ts:
 * a problem stops the build (and verify) before anything is applied, with the release file's line and
 * column, a ruleId and "did you mean" for names; versions must increase and match their file and
 * templates folder; the current release is the last one. Problems met while applying a release name
 * the release data that asked for the edit.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { releaseSchema } from "../../generator/release.ts";
import { loadReleases } from "../../generator/release-loader.ts";
import { locateValue, parseReleaseSource } from "../../generator/release-source.ts";
import { currentRelease, releaseEntries, releases } from "../../generator/releases/index.ts";
import { copyRepository, copySources, readTree, repoRoot, runBuild, runIn, tempDir } from "../helpers.ts";

const next = semver.inc(currentRelease.version, "patch") ?? "";
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the repository with release `next` scaffolded, its data file replaced by `data(text)`. */
function withNextRelease(data: (scaffolded: string) => string): { repo: string; file: string; text: string } {
  const repo = copyRepository();
  copies.push(repo);
  expect(runIn(repo, "generator/new-release.ts", [next]).status).toBe(0);
  const file = join(repo, "generator", "releases", `v${next}.ts`);
  const text = data(readFileSync(file, "utf8"));
  writeFileSync(file, text);
  return { repo, file, text };
}

/** The 1-based line and column of the first occurrence of `needle` in `text`. */
function pointOf(text: string, needle: string): string {
  const offset = text.indexOf(needle);
  expect(offset, needle).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset);
  return `${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
}

describe("release data checked when loaded", () => {
  it(`a release numbered lower than the one before it (${next} written as 1.2.9) stops the build at its version, writing nothing`, () => {
    const { repo, text } = withNextRelease((scaffolded) => scaffolded.replace(`version: "${next}"`, 'version: "1.2.9"'));
    const out = join(tempDir(), "dist");
    const result = runIn(repo, "generator/cli.ts", ["--out", out]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Release data is not valid");
    const at = pointOf(text, '"1.2.9"');
    expect(result.stderr).toMatch(new RegExp(`generator/releases/v${next.replace(/\./g, "\\.")}\\.ts\\n(?:.*\\n)*? *${at} +error +release 1\\.2\\.9 is listed after ${currentRelease.version.replace(/\./g, "\\.")} but is not newer.*release-version-order`));
    expect(result.stderr).toMatch(new RegExp(` *${at} +error +version 1\\.2\\.9 does not match the file it is written in \\(v${next.replace(/\./g, "\\.")}\\.ts.*release-version-file`));
    expect(readTree(join(out, "..")).size).toBe(0);
    const verify = runIn(repo, "scripts/verify.ts", []);
    expect(verify.status).toBe(1);
    expect(verify.stderr).toContain("the release data is not valid");
    expect(verify.stderr).toContain("release-version-order");
  });

  it("a typo in a placement kind, a field or a template path: each at its line and column, with did you mean", () => {
    const { repo, text } = withNextRelease(
      () => `import type { ReleaseData } from "../release.ts";

const release: ReleaseData = {
  version: "${next}",
  insertions: [
    { file: "agents/eda-analyst.md", placement: { kind: "endOfSections", heading: { depth: 2, text: "Output" } }, template: "fragments/example-section.md.hbs" },
    { file: "agents/developer.md", placement: { kind: "endOfDocument" }, templte: "fragments/example-section.md.hbs" },
    { file: "agents/mlops-engineer.md", placement: { kind: "endOfDocument" }, template: "fragments/exampel-section.md.hbs" },
  ],
} as ReleaseData;

export default release;
`,
    );
    const result = runIn(repo, "generator/cli.ts", ["--out", join(tempDir(), "dist")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Release data is not valid: 3 problems");
    expect(result.stderr).toMatch(new RegExp(`(?:^|\\n) *${pointOf(text, '"endOfSections"')} +error +unknown placement kind "endOfSections"; did you mean "endOfSection"\\? .*release-schema`));
    expect(result.stderr).toMatch(new RegExp(`(?:^|\\n) *${pointOf(text, "templte")} +error +unknown field "templte"; did you mean "template"\\? .*release-schema`));
    expect(result.stderr).toMatch(new RegExp(`(?:^|\\n) *${pointOf(text, '"fragments/exampel-section.md.hbs"')} +error +template fragments/exampel-section\\.md\\.hbs is not in templates/releases/${next.replace(/\./g, "\\.")}; did you mean fragments/example-section\\.md\\.hbs\\? .*release-template-missing`));
    expect(result.stderr).not.toContain("Cannot read properties");
  });

  it("an anchor the sources lack names the release data line that asked for it", () => {
    const source = copySources();
    copies.push(source);
    const file = join(source, "agents", "developer.md");
    writeFileSync(file, readFileSync(file, "utf8").replace("## Agent Report Bus (v1.2.0)", "## Agent Reports Bus (v1.2.0)"));
    const result = runBuild(["--source", source, "--out", join(tempDir(), "dist")]);
    expect(result.status).toBe(1);
    const entry = releaseEntries.find((candidate) => readFileSync(join(repoRoot, candidate.file), "utf8").includes('"agents/developer.md"'));
    const data = readFileSync(join(repoRoot, entry?.file ?? ""), "utf8");
    const release = releases.find((candidate) => candidate.insertions.some((insertion) => insertion.file === "agents/developer.md"));
    const index = release?.insertions.findIndex((insertion) => insertion.file === "agents/developer.md");
    const line = data.slice(0, data.indexOf('{ file: "agents/developer.md"')).split("\n").length;
    expect(result.stderr).toContain(`(asked for by release ${release?.version}, ${entry?.file}:${line}:5 (insertions[${index}]))`);
    expect(result.stderr).toContain("(did you mean `## Agent Reports Bus (v1.2.0)` at ");
  });
});

describe("release data that would lose something without a word (found in review: each built with exit 0)", () => {
  /** Builds a copy of the repository whose next release is `fields` (written into its data file), with one template. */
  function buildNext(fields: string) {
    const { repo, text } = withNextRelease((scaffolded) => scaffolded.replace(/^const release: ReleaseData = \{\n {2}version: "[^"]+",\n/m, (start) => `${start}  ${fields}\n`));
    writeFileSync(join(repo, "templates", "releases", next, "fragments", "whole.md.hbs"), "---\ndescription: A whole file.\n---\n\n# Whole\n");
    const out = join(tempDir(), "dist");
    return { text, out, result: runIn(repo, "generator/cli.ts", ["--out", out]) };
  }

  it("a new file named like a file of the tree's own (agents/developer.md) stops the build instead of replacing the agent", () => {
    const { text, out, result } = buildNext('newFiles: [{ file: "agents/developer.md", template: "fragments/whole.md.hbs" }],');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("new-file-exists");
    expect(result.stderr).toMatch(/agents\/developer\.md[^\n]*\n[^\n]*release \S+ adds agents\/developer\.md, but the tree already has it/);
    expect(result.stderr).toContain(`(asked for by release ${next}, generator/releases/v${next}.ts:${pointOf(text, '{ file: "agents/developer.md"')} (newFiles[0]))`);
    expect(readTree(join(out, "..")).size).toBe(0);
  });

  it("a new file at a path the build makes (the compiled library) stops the build instead of being dropped", () => {
    const { result } = buildNext('newFiles: [{ file: "templates/ml_utils.py", template: "fragments/whole.md.hbs" }],');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/release \S+ adds templates\/ml_utils\.py, but the build makes that file itself/);
    expect(result.stderr).toContain("new-file-exists");
  });

  it("a new file an earlier release added may be replaced by a later one (a newer hook script)", () => {
    const script = currentRelease.newFiles.find((file) => file.file.startsWith("hooks/")) ?? releases.flatMap((release) => release.newFiles).find((file) => file.file.startsWith("hooks/"));
    expect(script).toBeDefined();
    const { out, result } = buildNext(`newFiles: [{ file: "${script?.file}", template: "fragments/whole.md.hbs" }],`);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(join(out, "ml-automation", script?.file ?? ""), "utf8")).toContain("# Whole");
  });

  it("a hook event Claude Code does not have (PreTooluse) is refused at load with did you mean, not written for the client to ignore", () => {
    const { text, result } = buildNext("hooks: [{ event: \"PreTooluse\", matcher: \"Write\", command: 'python3 \"${CLAUDE_PLUGIN_ROOT}/hooks/x.py\"' }],");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Release data is not valid");
    expect(result.stderr).toMatch(new RegExp(`${pointOf(text, '"PreTooluse"')} +error +unknown hook event "PreTooluse"; did you mean "PreToolUse"\\?`));
  });

  it("a person-only workflow misspelt (registy) stops the build at its line, instead of leaving registry listed to the model", () => {
    const { text, result } = buildNext('personOnly: { registy: "typed by a person" },');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("person-only-unknown");
    expect(result.stderr).toMatch(new RegExp(`${pointOf(text, "registy:")} +error +personOnly names registy, which is no workflow of this tree; did you mean registry\\?`));
  });
});

describe("the release schema", () => {
  it("lets a release leave out what it does not change; its templates folder defaults to templates/releases/<version>", () => {
    expect(releaseSchema.parse({ version: "9.9.9" })).toEqual({ version: "9.9.9", templateDir: "templates/releases/9.9.9", rewrites: [], insertions: [], newFiles: [], runtimeSections: [], commandSections: [], mirrorSections: [], runtimeApi: [] });
  });

  it("takes a rewrite's wordings as ordered alternatives, and refuses a `to` list of another length", () => {
    const section = { depth: 3, text: /^Stage 5b:/ };
    expect(releaseSchema.safeParse({ version: "9.9.9", rewrites: [{ file: "a.md", section, from: ["a", "b"], to: "c" }] }).success).toBe(true);
    const wrong = releaseSchema.safeParse({ version: "9.9.9", rewrites: [{ file: "a.md", section, from: ["a", "b"], to: ["c"] }] });
    expect(wrong.success ? [] : wrong.error.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["rewrites.0.to", '"to" lists 1 phrases, but "from" 2: give one "to" for all, or one per "from"']]);
  });

  it("refuses a description sentence without its mention (a second build would add it again)", () => {
    const data = { version: "9.9.9", description: { mention: "data drift", sentence: "Checks new data for drift." } };
    expect(() => loadReleases([{ file: "generator/releases/v9.9.9.ts", data }], tempDir())).toThrowError(
      expect.objectContaining({ errors: [expect.objectContaining({ ruleId: "release-schema", reason: 'the sentence must contain its mention "data drift" (that is how a second build sees it is there already) (description.sentence)' })] }),
    );
  });

  it("refuses paths that leave their folder and versions that are not semver", () => {
    const result = releaseSchema.safeParse({ version: "1.4", newFiles: [{ file: "../outside.md", template: "/abs.hbs" }] });
    expect(result.success ? [] : result.error.issues.map((issue) => issue.path.join("."))).toEqual(["version", "newFiles.0.file", "newFiles.0.template"]);
  });

  it("the repository's releases pass it, each newer than the one before, and the current release is the last", () => {
    expect(releases.map((release) => release.version)).toEqual([...releases.map((release) => release.version)].sort(semver.compare));
    expect(new Set(releases.map((release) => release.version)).size).toBe(releases.length);
    expect(currentRelease).toBe(releases.at(-1));
  });
});

describe("where a value of a release file is written", () => {
  const text = `import type { HeadingRef, Placement, ReleaseData } from "../release.ts";

const file = "commands/team-coldstart.md";
const shared: Placement[] = [
  { kind: "before", heading: { depth: 2, text: /^A\\b/ } },
  { kind: "before", heading: { depth: 2, text: /^B\\b/ } },
];

function note(section: HeadingRef, agent: RegExp): Placement[] {
  return [
    { kind: "inListItem", section, item: agent },
    { kind: "afterBlock", section, block: { type: "paragraph", text: agent } },
  ];
}

const release = {
  version: "9.9.9",
  insertions: [
    { file, placement: shared, template: "a.hbs" },
    { file, placement: note({ depth: 3, text: /^Stage 2a:/ }, /\\beda-analyst\\b/), template: "b.hbs" },
    { file, placement: [...shared, { kind: "endOfDocument" }], template: "c.hbs" },
  ],
} satisfies ReleaseData;

export default release;
`;
  const source = parseReleaseSource(text);
  const at = (path: PropertyKey[], key = false) => {
    const point = locateValue(source, path, { key });
    return point && `${point.line}:${point.column}`;
  };

  it.each([
    [["version"], pointOf(text, '"9.9.9"')],
    [["insertions", 0, "file"], pointOf(text, "file, placement: shared")],
    [["insertions", 0, "placement", 1, "heading", "text"], pointOf(text, "/^B\\b/")],
    [["insertions", 1, "placement", 0, "section", "text"], pointOf(text, "/^Stage 2a:/")],
    [["insertions", 1, "placement", 1, "block", "text"], pointOf(text, "/\\beda-analyst\\b/), template")],
    [["insertions", 1, "placement", 1, "block", "type"], pointOf(text, '"paragraph"')],
    [["insertions", 2, "placement", 2, "kind"], pointOf(text, '"endOfDocument"')],
    [["insertions", 2, "placement", 0, "kind"], pointOf(text, '"before", heading: { depth: 2, text: /^A')],
    [["insertions", 2, "template"], pointOf(text, '"c.hbs"')],
  ])("follows %j through constants, spreads and helper calls", (path, expected) => {
    expect(at(path)).toBe(expected);
  });

  it("names the field itself for an unknown field, and the nearest written value for one computed at run time", () => {
    expect(at(["insertions", 2, "template"], true)).toBe(pointOf(text, 'template: "c.hbs"'));
    expect(at(["insertions", 5, "file"])).toBe(pointOf(text, "[\n    { file, placement: shared"));
  });
});
