/**
 * The rendered Cursor files against Cursor's published JSON schemas (copies of
 * ../shared/reference/cursor-plugin.schema.json and cursor-skill.schema.json in
 * test/fixtures/cursor-reference/), checked with a JSON-schema validator rather than rules of our own:
 * the manifest, and every skill's frontmatter (whose name must also be its folder's name).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "./helpers.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture({ install: false, fill: false });
const reference = (name: string) => JSON.parse(readFileSync(join(repoRoot, "test", "fixtures", "cursor-reference", name), "utf8")) as object;
// Formats (uri, email) are not checked: the manifest names no homepage, repository or email.
const ajv = new Ajv({ allErrors: true, validateFormats: false });
const validManifest = ajv.compile(reference("cursor-plugin.schema.json"));
const validSkill = ajv.compile(reference("cursor-skill.schema.json"));

describe("Cursor's schemas", () => {
  it("the Cursor manifest validates against cursor-plugin.schema.json", () => {
    const manifest = JSON.parse(readFileSync(join(fixture.plugin, ".cursor-plugin", "plugin.json"), "utf8")) as Record<string, unknown>;
    expect(validManifest(manifest), ajv.errorsText(validManifest.errors)).toBe(true);
    // The check can fail: a key Cursor does not define, a name that is not kebab-case.
    expect(validManifest({ ...manifest, allowedTools: ["Bash"] })).toBe(false);
    expect(validManifest({ ...manifest, name: "ML Automation" })).toBe(false);
  });

  it("every skill's frontmatter validates against cursor-skill.schema.json and names its folder", () => {
    const skills = join(fixture.plugin, "cursor", "skills");
    const folders = readdirSync(skills);
    expect(folders.length).toBe(12);
    for (const folder of folders) {
      const text = readFileSync(join(skills, folder, "SKILL.md"), "utf8");
      const frontmatter = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1];
      expect(frontmatter, `${folder}/SKILL.md has no frontmatter`).toBeDefined();
      const data = parse(frontmatter!) as Record<string, unknown>;
      expect(validSkill(data), `${folder}: ${ajv.errorsText(validSkill.errors)}`).toBe(true);
      expect(data.name).toBe(folder);
    }
    expect(validSkill({ name: "registry" })).toBe(false);
  });
});
