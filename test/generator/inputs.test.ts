import { describe, expect, it } from "vitest";
import { readFrontmatter } from "../../generator/frontmatter.ts";
import { parseJsonFile } from "../../generator/json-file.ts";
import { parseManifests, releaseManifests, withMention } from "../../generator/manifests.ts";
import { currentRelease } from "../../generator/releases/index.ts";

describe("frontmatter", () => {
  it("reads keys with their lines, and reports bad YAML at the file's line", () => {
    const parsed = readFrontmatter("a.md", "---\nname: a\ndescription: b\n---\nbody");
    expect(parsed).toEqual({ data: { name: "a", description: "b" }, keyLines: { name: 2, description: 3 } });
    expect(readFrontmatter("a.md", "# no frontmatter")).toBeNull();
    expect(() => readFrontmatter("a.md", "---\nname: a\ndescription: x: y\n---\n")).toThrowError(/^a\.md:3: frontmatter is not valid YAML: .*\(column \d+\)$/);
    expect(() => readFrontmatter("a.md", "---\nname: a\nname: b\n---\n")).toThrowError(/^a\.md:3: .*unique/);
    expect(() => readFrontmatter("a.md", "---\nname: a\n")).toThrowError(/^a\.md:1: frontmatter opened with '---' is never closed/);
    expect(() => readFrontmatter("a.md", "---\n- a\n---\n")).toThrowError(/must be a mapping/);
  });
});

describe("manifest JSON", () => {
  it("reports the line of a syntax error", () => {
    expect(() => parseJsonFile("m.json", '{\n  "a": 1\n  "b": 2\n}')).toThrowError(/^m\.json:3: not valid JSON: comma expected/);
    expect(() => parseJsonFile("m.json", '{\n  // comment\n  "a": 1\n}')).toThrowError(/^m\.json:2: not valid JSON: invalid comment token/);
    expect(() => parseJsonFile("m.json", "[1]")).toThrowError(/expected a JSON object/);
  });
});

describe("released manifests", () => {
  const claude = { file: "plugin.json", text: '{"name": "ml-automation", "version": "1.2.1", "description": "Agents.", "author": {"name": "us"}, "license": "MIT"}' };

  it("derive a Cursor manifest and a marketplace from the Claude Code manifest when a checkout has none", () => {
    const released = releaseManifests(parseManifests({ claude, cursor: null, marketplace: null }), currentRelease);
    expect(released.cursor).toMatchObject({ name: "ml-automation", version: "1.3.0", agents: "agents/", commands: "commands/", skills: "skills/" });
    expect(released.marketplace).toMatchObject({ name: "ml-automation-marketplace", plugins: [{ name: "ml-automation", source: "./ml-automation", version: "1.3.0" }] });
    expect(released.claude.description).toBe(`Agents. ${currentRelease.description.sentence}`);
  });

  it("mention the release once, however often it is applied", () => {
    const once = withMention("Agents.", currentRelease.description);
    expect(withMention(once, currentRelease.description)).toBe(once);
  });

  it("refuse manifests that disagree on the plugin's name", () => {
    const cursor = { file: "cursor.json", text: '{"name": "ml-auto", "version": "1.2.1"}' };
    expect(() => releaseManifests(parseManifests({ claude, cursor, marketplace: null }), currentRelease)).toThrowError(/cursor\.json:1: "name" is "ml-auto" but the Claude Code manifest names the plugin "ml-automation"/);
  });
});
