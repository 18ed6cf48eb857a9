import { describe, expect, it } from "vitest";
import { readFrontmatter } from "../../generator/frontmatter.ts";
import { parseJsonFile } from "../../generator/json-file.ts";
import { editJson } from "../../generator/json-file.ts";
import { describeRelease, parseManifests, releaseManifests, withMention } from "../../generator/manifests.ts";
import { releaseSchema } from "../../generator/release.ts";
import { currentRelease } from "../../generator/releases/index.ts";

describe("frontmatter", () => {
  it("reads keys with their lines, and reports bad YAML at the file's line", () => {
    const parsed = readFrontmatter("a.md", "---\nname: a\ndescription: b\n---\nbody");
    expect(parsed).toEqual({ data: { name: "a", description: "b" }, keyLines: { name: 2, description: 3 } });
    expect(readFrontmatter("a.md", "# no frontmatter")).toBeNull();
    expect(() => readFrontmatter("a.md", "---\nname: a\ndescription: x: y\n---\n")).toThrowError(expect.objectContaining({ ruleId: "frontmatter-yaml", line: 3, column: 14 }));
    expect(() => readFrontmatter("a.md", "---\nname: a\nname: b\n---\n")).toThrowError(expect.objectContaining({ ruleId: "frontmatter-yaml", line: 3, reason: expect.stringMatching(/unique/) }));
    expect(() => readFrontmatter("a.md", "---\nname: a\n")).toThrowError(expect.objectContaining({ ruleId: "frontmatter-unclosed", line: 1, column: 1 }));
    expect(() => readFrontmatter("a.md", "---\n- a\n---\n")).toThrowError(/must be a mapping/);
  });
});

describe("manifest JSON", () => {
  it("reports the line and column of a syntax error", () => {
    expect(() => parseJsonFile("m.json", '{\n  "a": 1\n  "b": 2\n}')).toThrowError(expect.objectContaining({ ruleId: "manifest-json", line: 3, column: 3 }));
    expect(() => parseJsonFile("m.json", '{\n  // comment\n  "a": 1\n}')).toThrowError(/^m\.json:2:3: not valid JSON: invalid comment token/);
    expect(() => parseJsonFile("m.json", "[1]")).toThrowError(/expected a JSON object/);
  });
});

describe("released manifests", () => {
  const claude = { file: "plugin.json", text: '{"name": "ml-automation", "version": "1.2.1", "description": "Agents.", "author": {"name": "us"}, "license": "MIT", "keywords": ["ml"]}' };
  const version = currentRelease.version;
  /** A release of the current version that adds a sentence to the description (the current one's own may replace it, or leave it). */
  const adds = releaseSchema.parse({ version, description: { mention: "registry", sentence: "Adds a registry." } });
  const sentence = "Adds a registry.";

  it("derive a Cursor manifest and a marketplace from the Claude Code manifest when a checkout has none, license and keywords kept", () => {
    const released = releaseManifests(parseManifests({ claude, cursor: null, marketplace: null }), [adds]);
    expect(JSON.parse(released.cursor)).toMatchObject({ name: "ml-automation", version, agents: "agents/", commands: "commands/", skills: "skills/", license: "MIT", keywords: ["ml"] });
    expect(JSON.parse(released.marketplace)).toMatchObject({ name: "ml-automation-marketplace", plugins: [{ name: "ml-automation", source: "./ml-automation", version, license: "MIT", keywords: ["ml"] }] });
    expect(JSON.parse(released.claude).description).toBe(`Agents. ${sentence}`);
  });

  it("change only the version and the description: every other byte stays (a one-line array stays one line)", () => {
    const text = '{\n  "name": "ml-automation",\n  "version": "1.2.1",\n  "description": "Agents",\n  "keywords": ["a", "b"],\n    "odd":   true\n}\n';
    const released = releaseManifests(parseManifests({ claude: { file: "p.json", text }, cursor: null, marketplace: null }), [adds]).claude;
    expect(released).toBe(text.replace('"1.2.1"', JSON.stringify(version)).replace('"Agents"', JSON.stringify(`Agents. ${sentence}`)));
  });

  it("mention the release once, however often it is applied, with a period before the added sentence", () => {
    const change = { mention: "registry", sentence };
    const once = withMention("Agents", change);
    expect(once).toBe(`Agents. ${sentence}`);
    expect(withMention(once, change)).toBe(once);
    expect(withMention("Agents!", change)).toBe(`Agents! ${sentence}`);
  });

  it("take the description a release replaces it with, and keep it when a release leaves it out", () => {
    const replaces = releaseSchema.parse({ version, description: { replace: "An ML team." } });
    const silent = releaseSchema.parse({ version });
    const describe = (chain: typeof adds[]) => JSON.parse(releaseManifests(parseManifests({ claude, cursor: null, marketplace: null }), chain).claude).description;
    expect(describe([adds, replaces])).toBe("An ML team.");
    expect(describe([replaces, adds])).toBe(`An ML team. ${sentence}`);
    expect(describe([silent])).toBe("Agents.");
    expect(describeRelease("Agents.", undefined)).toBe("Agents.");
  });

  it("edit JSON with tabs and CRLF in the file's own style", () => {
    const text = '{\r\n\t"name": "x"\r\n}\r\n';
    expect(editJson(text, [[["version"], "1.3.0"]])).toBe('{\r\n\t"name": "x",\r\n\t"version": "1.3.0"\r\n}\r\n');
  });

  it("refuse manifests that disagree on the plugin's name, at the line", () => {
    const cursor = { file: "cursor.json", text: '{"name": "ml-auto", "version": "1.2.1"}' };
    expect(() => releaseManifests(parseManifests({ claude, cursor, marketplace: null }), [adds])).toThrowError(/cursor\.json:1: "name" is "ml-auto" but the Claude Code manifest names the plugin "ml-automation"/);
  });
});
