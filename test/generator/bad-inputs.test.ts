/**
 * Inputs a new user gives by mistake, each refused with a message naming the path (ruleId and position
 * asserted) or kept exactly: --out over a folder of one's own or inside the sources, a byte-order mark,
 * bytes that are not UTF-8, symbolic links, a file where a folder belongs.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlugin } from "../../generator/build.ts";
import { sourceErrorsOf } from "../../generator/errors.ts";
import { releases } from "../../generator/releases/index.ts";
import { copySources, readTree, repoRoot, runBuild, tempDir } from "../helpers.ts";

const work = tempDir("mla-bad-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Builds in-process; returns [] when it builds, else the problems as { ruleId, file, line, column }. */
function problemsOf(source: string, out = join(tempDir(), "out")) {
  try {
    buildPlugin({ source, out, releases, templateRoot: repoRoot });
    return [];
  } catch (error) {
    const errors = sourceErrorsOf(error);
    if (!errors) throw error;
    return errors.map((problem) => ({ ruleId: problem.ruleId, file: problem.file, line: problem.line, column: problem.column, reason: problem.reason }));
  }
}

function bundleFile(out: string, path: string): Buffer {
  return readFileSync(join(out, "ml-automation", path));
}

describe("--out", () => {
  it("a team marketplace repository (.git/, other plugins, a marketplace.json) is refused and left whole", () => {
    const team = join(work, "team-marketplace");
    mkdirSync(join(team, ".git"), { recursive: true });
    mkdirSync(join(team, ".claude-plugin"), { recursive: true });
    mkdirSync(join(team, "other-plugin", ".claude-plugin"), { recursive: true });
    writeFileSync(join(team, ".git", "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(join(team, ".claude-plugin", "marketplace.json"), '{"name": "team", "owner": {"name": "t"}, "plugins": [{"name": "other", "source": "./other-plugin"}]}\n');
    writeFileSync(join(team, "other-plugin", ".claude-plugin", "plugin.json"), '{"name": "other"}\n');
    const before = readTree(team);
    const result = runBuild(["--out", team]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/team-marketplace\n.*error +is not empty and holds no \.build-record\.json.*out-not-a-build/);
    expect(readTree(team)).toEqual(before);
  });

  it("an earlier build with a file added or changed by hand is not replaced", () => {
    const out = join(work, "edited-build");
    expect(runBuild(["--out", out]).status).toBe(0);
    writeFileSync(join(out, "ml-automation", "agents", "developer.md"), "my own notes\n");
    const refused = problemsOf(repoRoot, out);
    expect(refused).toEqual([expect.objectContaining({ ruleId: "out-not-a-build", reason: expect.stringContaining("1 file(s) changed since (ml-automation/agents/developer.md)") })]);
    expect(readFileSync(join(out, "ml-automation", "agents", "developer.md"), "utf8")).toBe("my own notes\n");
    const added = join(work, "added-build");
    expect(runBuild(["--out", added]).status).toBe(0);
    writeFileSync(join(added, "ml-automation", "agents", "my-agent.md"), "mine\n");
    expect(problemsOf(repoRoot, added)).toEqual([expect.objectContaining({ ruleId: "out-not-a-build", reason: expect.stringContaining("1 file(s) the earlier build did not write (ml-automation/agents/my-agent.md)") })]);
    expect(readFileSync(join(added, "ml-automation", "agents", "my-agent.md"), "utf8")).toBe("mine\n");
  });

  it("is refused even when the sources have problems of their own: both are reported", () => {
    const source = copySources();
    writeFileSync(join(source, "plugin-manifests", "claude-plugin.json"), '{"name": "ml-automation", "version": \n');
    const mine = join(work, "my-folder");
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, "notes.txt"), "mine\n");
    expect(problemsOf(source, mine).map((problem) => problem.ruleId)).toEqual(["out-not-a-build", "manifest-json"]);
    expect(readFileSync(join(mine, "notes.txt"), "utf8")).toBe("mine\n");
  });

  it("inside the sources is refused (the next build would ship the bundle as assets)", () => {
    const source = copySources();
    expect(problemsOf(source, join(source, "agents", "dist"))).toEqual([expect.objectContaining({ ruleId: "out-inside-sources" })]);
    const checkout = join(work, "checkout-with-out");
    cpSync(join(repoRoot, "test", "fixtures", "upstream-checkout"), checkout, { recursive: true });
    const files = readTree(checkout).size;
    const result = runBuild(["--source", checkout, "--out", join(checkout, "dist")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("out-inside-sources");
    expect(readTree(checkout).size).toBe(files);
    expect(problemsOf(source, source)).toEqual([expect.objectContaining({ ruleId: "out-inside-sources" })]);
  });

  it("a destination that cannot be written (its parent is a file) is a message naming the path", () => {
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    expect(problemsOf(repoRoot, join(file, "dist"))).toEqual([expect.objectContaining({ ruleId: "out-write", file: expect.stringMatching(/a-file/) })]);
  });
});

describe("encodings", () => {
  it("a byte-order mark before an agent's frontmatter: the frontmatter is still read, the BOM kept", () => {
    const source = copySources();
    const developer = join(source, "agents", "developer.md");
    writeFileSync(developer, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(developer)]));
    const assigner = join(source, "agents", "assigner.md");
    writeFileSync(assigner, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(assigner)]));
    const out = join(tempDir(), "out");
    expect(problemsOf(source, out)).toEqual([]);
    const built = bundleFile(out, "agents/developer.md");
    expect([...built.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(built.toString("utf8")).toContain("## Experiment Tracking (v1.3.0)");
    expect(bundleFile(out, "agents/assigner.md")).toEqual(readFileSync(assigner));
    // With a BOM, bad frontmatter is still found, at its line.
    writeFileSync(assigner, readFileSync(assigner, "utf8").replace(/^(\uFEFF---\n)/, "$1name: [unclosed\n"));
    expect(problemsOf(source)).toEqual([expect.objectContaining({ ruleId: "frontmatter-yaml", file: expect.stringMatching(/agents\/assigner\.md$/), line: 3, column: 1 })]);
  });

  it("bytes that are not UTF-8 in a file no release or editor rendering reads are copied as they are", () => {
    const source = copySources();
    const notes = join(source, "hooks", "notes.txt");
    const bytes = Buffer.from("Caf\xe9 au lait, 100\xb0.\n", "latin1");
    writeFileSync(notes, bytes);
    const out = join(tempDir(), "out");
    expect(problemsOf(source, out)).toEqual([]);
    expect(bundleFile(out, "hooks/notes.txt")).toEqual(bytes);
  });

  it("an agent that is not UTF-8 is refused, as Cursor's copy of it must be rendered as text", () => {
    const source = copySources();
    const assigner = join(source, "agents", "assigner.md");
    const text = readFileSync(assigner);
    writeFileSync(assigner, Buffer.concat([text, Buffer.from("Caf\xe9.\n", "latin1")]));
    expect(problemsOf(source)).toEqual([expect.objectContaining({ ruleId: "source-encoding", file: expect.stringMatching(/agents\/assigner\.md$/), reason: expect.stringContaining(`byte 0xe9 at byte offset ${text.length + 3}`) })]);
  });

  it("an edited file that is not UTF-8 is refused, naming the byte offset, line and column", () => {
    const source = copySources();
    const developer = join(source, "agents", "developer.md");
    const text = readFileSync(developer);
    const at = text.indexOf("## Principles");
    writeFileSync(developer, Buffer.concat([text.subarray(0, at), Buffer.from("Caf\xe9\n\n", "latin1"), text.subarray(at)]));
    const line = text.subarray(0, at).toString("utf8").split("\n").length;
    expect(problemsOf(source)).toEqual([
      expect.objectContaining({ ruleId: "source-encoding", file: expect.stringMatching(/agents\/developer\.md$/), line, column: 4, reason: expect.stringContaining(`byte 0xe9 at byte offset ${at + 3}`) }),
    ]);
  });
});

describe("the source tree", () => {
  it("a symbolic link inside the tree is followed: an edited one is released, another copied as a file", () => {
    const source = copySources();
    mkdirSync(join(source, "agents-src"));
    cpSync(join(source, "agents", "developer.md"), join(source, "agents-src", "developer.md"));
    rmSync(join(source, "agents", "developer.md"));
    symlinkSync(join("..", "agents-src", "developer.md"), join(source, "agents", "developer.md"));
    symlinkSync(join("..", "..", "agents", "assigner.md"), join(source, "skills", "eda", "assigner.md"));
    const out = join(tempDir(), "out");
    expect(problemsOf(source, out)).toEqual([]);
    expect(bundleFile(out, "agents/developer.md").toString("utf8")).toContain("## Experiment Tracking (v1.3.0)");
    expect(bundleFile(out, "skills/eda/assigner.md")).toEqual(readFileSync(join(source, "agents", "assigner.md")));
  });

  it("a symbolic link pointing outside the tree is refused, naming it", () => {
    const source = copySources();
    const outside = join(tempDir(), "notes.md");
    writeFileSync(outside, "---\ndescription: x\n---\n");
    symlinkSync(outside, join(source, "commands", "notes.md"));
    expect(problemsOf(source)).toEqual([expect.objectContaining({ ruleId: "source-symlink-outside", file: expect.stringMatching(/commands\/notes\.md$/) })]);
  });

  it("a broken symbolic link is an error naming the path, not a silent drop", () => {
    const source = copySources();
    symlinkSync(join(source, "nowhere.md"), join(source, "commands", "gone.md"));
    expect(problemsOf(source)).toEqual([expect.objectContaining({ ruleId: "source-read", file: expect.stringMatching(/commands\/gone\.md$/) })]);
  });

  it("a command whose file name cannot be a skill's name (spaces, accents, capitals) is named, nothing written", () => {
    const source = copySources();
    const command = "---\ndescription: Summarise the data.\n---\n\n# Summary\n";
    writeFileSync(join(source, "commands", "my command.md"), command);
    writeFileSync(join(source, "commands", "Résumé.md"), command);
    writeFileSync(join(source, "commands", "data-v2.md"), command);
    const out = join(tempDir(), "out");
    expect(problemsOf(source, out).map(({ ruleId, file, reason }) => ({ ruleId, file, reason }))).toEqual([
      { ruleId: "command-name", file: expect.stringMatching(/commands\/R\u00e9sum\u00e9\.md$/), reason: expect.stringContaining("(e.g. resume.md)") },
      { ruleId: "command-name", file: expect.stringMatching(/commands\/my command\.md$/), reason: expect.stringContaining("(e.g. my-command.md)") },
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it("a folder where the bundle needs a file (hooks/hooks.json/) is named as the source's, nothing written", () => {
    const source = copySources();
    const hooks = join(source, "hooks", "hooks.json");
    const text = readFileSync(hooks);
    rmSync(hooks);
    mkdirSync(hooks);
    writeFileSync(join(hooks, "old.json"), text);
    const out = join(tempDir(), "out");
    expect(problemsOf(source, out)).toEqual([expect.objectContaining({ ruleId: "source-path-conflict", file: expect.stringMatching(/hooks\/hooks\.json$/) })]);
    expect(existsSync(out)).toBe(false);
  });

  it("--source naming a file, and agents/ being a file, are named as such", () => {
    const file = join(work, "plugin.json");
    writeFileSync(file, "{}");
    const result = runBuild(["--source", file, "--out", join(work, "never")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/plugin\.json\n.*error +is a file; --source takes the folder.*source-not-folder/);
    const source = copySources();
    rmSync(join(source, "agents"), { recursive: true });
    writeFileSync(join(source, "agents"), "not a folder");
    expect(problemsOf(source)).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: "source-not-folder", file: expect.stringMatching(/agents$/) })]));
    expect(existsSync(join(work, "never"))).toBe(false);
  });
});
