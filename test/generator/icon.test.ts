/** The plugin's icon, drawn from its SVG at build time: square, the same bytes every time, bad SVG named. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sourceErrorsOf } from "../../generator/errors.ts";
import { drawIcon, ICON_SIZE, ICON_SOURCE } from "../../generator/icon.ts";
import { repoRoot } from "../helpers.ts";

const svg = readFileSync(join(repoRoot, ICON_SOURCE));

function ruleOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    return sourceErrorsOf(error)?.map((problem) => [problem.file, problem.ruleId, problem.reason]);
  }
  return null;
}

describe("drawIcon", () => {
  it("draws the repository's icon as a square PNG of ICON_SIZE pixels, byte for byte the same each time", () => {
    const png = drawIcon(ICON_SOURCE, svg);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([ICON_SIZE, ICON_SIZE]);
    expect(drawIcon(ICON_SOURCE, svg).equals(png)).toBe(true);
  });

  it("names an SVG it cannot draw, and one that is not square", () => {
    expect(ruleOf(() => drawIcon("assets/icon.svg", Buffer.from("<svg><rect")))).toEqual([["assets/icon.svg", "icon-svg", expect.stringContaining("cannot be drawn as the plugin's icon")]]);
    const wide = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>');
    expect(ruleOf(() => drawIcon("assets/icon.svg", wide))).toEqual([["assets/icon.svg", "icon-svg", "is 20 by 10: the plugin's icon must be square"]]);
  });
});
