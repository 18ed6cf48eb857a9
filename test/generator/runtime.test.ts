import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlugin } from "../../generator/build.ts";
import { SourceErrors } from "../../generator/errors.ts";
import { pythonLiteral } from "../../generator/python-literal.ts";
import { releases } from "../../generator/releases/index.ts";
import { fillGeneratedBlocks } from "../../generator/runtime-constants.ts";
import { runtimeSectionFiles } from "../../scripts/sync-runtime-constants.ts";
import { copySources, repoRoot, tempDir } from "../helpers.ts";
import { compileRuntime, mergeSections, readSectionTemplate, sectionAtLine, splitRuntime, type RuntimeSection } from "../../generator/runtime.ts";
import { compileModules, stampLibrary } from "../../generator/runtime-build.ts";

/** Builds `source` in-process; returns the problems as "ruleId message" ([] when it builds). */
function problemsOf(source: string): string[] {
  try {
    buildPlugin({ source, out: join(tempDir(), "out"), releases, templateRoot: repoRoot });
    return [];
  } catch (error) {
    if (error instanceof SourceErrors) return error.errors.map((problem) => `${problem.ruleId} ${problem.message}`);
    throw error;
  }
}

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
    expect(() => splitRuntime("ml_utils.py", FILE + banner("2. AGAIN"))).toThrowError(expect.objectContaining({ ruleId: "runtime-section-duplicate" }));
    expect(() => readSectionTemplate("x.py.hbs", banner("3. A") + banner("4. B"))).toThrowError(expect.objectContaining({ ruleId: "runtime-section-shape" }));
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

describe("runtime sections as plain Python", () => {
  it("keep every committed generated block equal to what generator/constants.ts gives", () => {
    const files = runtimeSectionFiles();
    expect(files.length).toBeGreaterThanOrEqual(12);
    const blocks = files.flatMap((path) => fillGeneratedBlocks(path, readFileSync(path, "utf8")).blocks.map((block) => ({ path, ...block })));
    expect(blocks.map((block) => block.name).sort()).toEqual(["metric averaging", "platform folders", "registry"]);
    expect(blocks.filter((block) => !block.current)).toEqual([]);
  });

  it("regenerate a stale block, and name a broken or unknown one with its line", () => {
    const stale = "x = 1\n# --- generated from generator/constants.ts: platform folders ---\nPLATFORM_DIRS = []\n# --- end generated ---\n";
    const filled = fillGeneratedBlocks("s.py", stale);
    expect(filled.blocks).toEqual([{ name: "platform folders", line: 2, current: false }]);
    expect(filled.text).toContain('PLATFORM_DIRS = [".claude", ".cursor", ".codex", ".opencode"]\n# --- end generated ---');
    expect(() => fillGeneratedBlocks("s.py", "# --- generated from generator/constants.ts: colours ---\n# --- end generated ---\n")).toThrowError(/s\.py:1: unknown generated block "colours"/);
    expect(() => fillGeneratedBlocks("s.py", "a\n# --- generated from generator/constants.ts: registry ---\nX = 1\n")).toThrowError(/s\.py:2: generated block "registry" has no/);
    expect(() => fillGeneratedBlocks("s.py", "a\n# --- generated from generator/constants.ts: registry ---\nX = 1\n")).toThrowError(expect.objectContaining({ ruleId: "runtime-generated-block", line: 2 }));
  });
});

describe("the build runs the compiled runtime", () => {
  const sectionsDir = (source: string) => join(source, "templates", "ml_utils");

  it("names the section file and line when importing the runtime fails", () => {
    const source = copySources();
    const file = join(sectionsDir(source), "05-evaluation.py");
    writeFileSync(file, readFileSync(file, "utf8").replace("\n\ndef evaluate_model(", '\n\nint("not a number")\n\n\ndef evaluate_model('));
    const line = readFileSync(file, "utf8").split("\n").indexOf('int("not a number")') + 1;
    expect(problemsOf(source)).toEqual([expect.stringMatching(new RegExp(`^runtime-import .*05-evaluation\\.py:${line}: importing it fails: ValueError: invalid literal .* \\(line \\d+ of the compiled ml_utils\\.py\\)`))]);
  });

  it("names a library section that uses a name no section defines, before running anything", () => {
    const source = copySources();
    const file = join(sectionsDir(source), "05-evaluation.py");
    writeFileSync(file, readFileSync(file, "utf8").replace("\n\ndef evaluate_model(", "\n\ndef _late():\n    return MISSING_NAME.attribute\n\n\ndef evaluate_model("));
    const line = readFileSync(file, "utf8").split("\n").indexOf("    return MISSING_NAME.attribute") + 1;
    expect(problemsOf(source)).toEqual([expect.stringMatching(new RegExp(`^runtime-name-missing .*05-evaluation\\.py:${line}: uses MISSING_NAME, which the library does not define`))]);
  });

  it("fails when `registry --help` does not run, naming the line", () => {
    const source = copySources();
    const file = join(sectionsDir(source), "08-reflection.py");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n\nimport argparse as _argparse\n_argparse.ArgumentParser.format_help = lambda self: 1 / 0\n`);
    expect(problemsOf(source)).toEqual([expect.stringMatching(/^runtime-command .*registry-command\.py:\d+: python3 ml_automation\.py registry --help exits 1: ZeroDivisionError: division by zero/)]);
  });

  it("refuses a section that redefines a name of another section", () => {
    const source = copySources();
    const file = join(sectionsDir(source), "08-reflection.py");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n\ndef mlops_dir():\n    return "elsewhere"\n`);
    expect(problemsOf(source)).toEqual([expect.stringMatching(/^runtime-name-clash .*09-mlops-registry\.py:\d+: defines mlops_dir, which .*08-reflection\.py:\d+ already defines/)]);
  });

  it("refuses a library that holds a command table: commands belong in the plugin's command module", () => {
    const source = copySources();
    const file = join(sectionsDir(source), "08-reflection.py");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n\n_COMMANDS = {}\n`);
    expect(problemsOf(source)).toEqual(expect.arrayContaining([expect.stringMatching(/^runtime-library-commands templates\/ml_utils\.py: holds a command table \(_COMMANDS\)/)]));
  });

  it("refuses release runtime sections over sources without any runtime section", () => {
    const source = copySources();
    rmSync(sectionsDir(source), { recursive: true });
    expect(problemsOf(source)).toEqual([expect.stringMatching(/^runtime-base-missing .*release \d+\.\d+\.\d+ adds runtime sections \(.*09-mlops-registry\.py.*\) but the sources have no ml_utils\.py to add them to/)]);
  });
});

describe("the library and the plugin's command module", () => {
  const section = (file: string, title: string, body: string): RuntimeSection => ({ key: title, title, file, text: `${banner(title)}\n${body}` });
  const library = [
    { key: "preamble", title: "preamble", file: "lib/preamble.py", text: '"""library"""\nimport os\n' },
    section("lib/one.py", "1. ONE", "import os\n\n\nLIMIT = 3\n\n\ndef helper(path: str) -> str:\n    return os.path.basename(path)\n\n\nclass Thing:\n    pass\n"),
  ];
  const preamble = { key: "preamble", title: "preamble", file: "cmd/preamble.py", text: '"""commands"""\nfrom typing import TYPE_CHECKING\n\n_LIBRARY = None\n' };
  const problems = (commands: RuntimeSection[], lib = library): string[] => {
    try {
      compileModules({ library: lib, mirror: [], commands }, "9.9.9");
      return [];
    } catch (error) {
      if (error instanceof SourceErrors) return error.errors.map((problem) => `${problem.ruleId} ${problem.message}`);
      throw error;
    }
  };

  it("bind exactly the library names the command sections use, in a LIBRARY NAMES section after the preamble", () => {
    const commands = [preamble, section("cmd/view.py", "VIEW", 'def view(thing: "Thing") -> str:\n    return helper("a/b") * LIMIT\n')];
    const compiled = compileModules({ library, mirror: [], commands }, "9.9.9");
    expect(compiled.commands?.sections.map((part) => part.key)).toEqual(["preamble", "LIBRARY NAMES", "VIEW"]);
    const names = compiled.commands?.sections[1]?.text ?? "";
    expect(names).toContain("    from ml_utils import (\n        LIMIT,\n        Thing,\n        helper,\n    )");
    expect(names).toContain("    helper = _LIBRARY.helper\n");
    expect(names).not.toContain("os");
  });

  it("name, with its section file and line, a command that uses a name the library only imports, or one nobody defines", () => {
    const commands = [preamble, section("cmd/view.py", "VIEW", "def view() -> str:\n    return os.getcwd()\n\n\ndef other() -> int:\n    return nowhere()\n")];
    expect(problems(commands)).toEqual([
      expect.stringMatching(/^runtime-name-missing cmd\/view\.py:6: uses os, which the library only imports \(import it in this section\)/),
      expect.stringMatching(/^runtime-name-missing cmd\/view\.py:10: uses nowhere, which neither the library nor this module's sections define/),
    ]);
  });

  it("refuse a command that rebinds a library name with `global`", () => {
    const commands = [preamble, section("cmd/view.py", "VIEW", "def reset() -> None:\n    global LIMIT\n    LIMIT = 0\n")];
    expect(problems(commands)).toEqual([expect.stringMatching(/^runtime-name-rebound cmd\/view\.py:\d+: rebinds LIMIT with `global`/)]);
  });

  it("refuse a library that needs the command module", () => {
    const lib = [...library, section("lib/two.py", "2. TWO", "def report() -> int:\n    return registry_cli([])\n")];
    const commands = [preamble, section("cmd/cli.py", "COMMAND LINE", "def registry_cli(argv: list) -> int:\n    return len(argv)\n")];
    expect(problems(commands, lib)).toEqual([expect.stringMatching(/^runtime-name-missing lib\/two\.py:6: uses registry_cli, which the library does not define/)]);
  });

  it("stamp the library with the release and a hash of its text, as the plugin reads it back", () => {
    const lib = [...library, section("lib/plugin.py", "PLUGIN COMMANDS", 'RUNTIME_STAMP = "unbuilt"\n')];
    const text = compileModules({ library: lib, mirror: [], commands: [] }, "1.4.0").library.text;
    const stamp = /RUNTIME_STAMP = "1\.4\.0\+([0-9a-f]{16})"/.exec(text)?.[1];
    expect(stamp).toBe(createHash("sha256").update(text.replace(/RUNTIME_STAMP = "[^"]*"/, 'RUNTIME_STAMP = "unbuilt"')).digest("hex").slice(0, 16));
    expect(stampLibrary(text.replace('"1.4.0+', '"1.4.0+x'), "1.4.0")).toContain('"1.4.0+x');
  });
});
