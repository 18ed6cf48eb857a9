import { describe, expect, it } from "vitest";
import { pythonLiteral } from "../../generator/python-literal.ts";
import { compileRuntime, mergeSections, readSectionTemplate, sectionAtLine, splitRuntime } from "../../generator/runtime.ts";

const banner = (title: string) => `# ${"=".repeat(20)}\n# ${title}\n# ${"=".repeat(20)}\n`;
const FILE = `"""doc"""\nimport os\n\n\n${banner("1. DATA LOADING")}\ndef load():\n    return 1\n\n\n${banner("2. TYPES")}\nX = 2\n\n\n${banner("COMMAND LINE")}\nif __name__ == "__main__":\n    pass\n`;

describe("ml_utils.py sections", () => {
  it("split a compiled file and compile it back byte for byte", () => {
    const sections = splitRuntime("ml_utils.py", FILE);
    expect(sections.map((section) => section.key)).toEqual(["preamble", "1", "2", "COMMAND LINE"]);
    expect(compileRuntime(sections)).toBe(FILE);
  });

  it("order numbered sections by number and keep named sections last", () => {
    const base = splitRuntime("ml_utils.py", FILE);
    const nine = readSectionTemplate("09.py.hbs", `${banner("9. MLOPS REGISTRY")}\ndef save():\n    pass\n`);
    const newTwo = readSectionTemplate("02.py.hbs", `${banner("2. TYPES")}\nX = 3\n`);
    const merged = compileRuntime(mergeSections(base, [nine, newTwo]));
    expect(merged.indexOf("X = 3")).toBeLessThan(merged.indexOf("9. MLOPS REGISTRY"));
    expect(merged.indexOf("9. MLOPS REGISTRY")).toBeLessThan(merged.indexOf("COMMAND LINE"));
    expect(merged).not.toContain("X = 2");
    const lines = merged.split("\n");
    const at = sectionAtLine(mergeSections(base, [nine, newTwo]), lines.indexOf("def save():") + 1);
    expect(at?.section.key).toBe("9");
    expect(at?.line).toBe(5);
  });

  it("refuse a section number used twice, and a template holding two sections", () => {
    expect(() => splitRuntime("ml_utils.py", FILE + banner("2. AGAIN"))).toThrowError(/ml_utils\.py:\d+: section "2" appears twice/);
    expect(() => readSectionTemplate("x.py.hbs", banner("3. A") + banner("4. B"))).toThrowError(/holds one section .* found 3, 4/);
  });
});

describe("Python literals of shared constants", () => {
  it("render JSON values as Python", () => {
    expect(pythonLiteral([".claude/mlops", "mlops"])).toBe('[".claude/mlops", "mlops"]');
    expect(pythonLiteral({ regression: ["rmse", "lower"], flag: true, none: null })).toBe(
      '{\n    "regression": ["rmse", "lower"],\n    "flag": True,\n    "none": None,\n}',
    );
    expect(() => pythonLiteral(Number.NaN)).toThrowError(/NaN/);
    expect(() => pythonLiteral(undefined)).toThrowError(/undefined/);
  });
});
