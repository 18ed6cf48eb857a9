/** Release templates: a missing one and one that does not render are named with a ruleId (and the line Handlebars gives). */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentRelease } from "../../generator/releases/index.ts";
import { releaseRenderer } from "../../generator/render.ts";
import { tempDir } from "../helpers.ts";

describe("release templates", () => {
  it("a missing template is template-missing; one that does not render is template-render at its line", () => {
    const root = tempDir("mla-render-");
    writeFileSync(join(root, "broken.md.hbs"), "## Title\n\n{{#if version}}\nnever closed\n");
    const render = releaseRenderer(root, { ...currentRelease, templateDir: "." });
    expect(() => render("absent.md.hbs")).toThrowError(expect.objectContaining({ ruleId: "template-missing", actual: "absent.md.hbs" }));
    expect(() => render("broken.md.hbs")).toThrowError(expect.objectContaining({ ruleId: "template-render", file: expect.stringMatching(/broken\.md\.hbs$/) }));
  });
});
