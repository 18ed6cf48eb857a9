/** Checking generated Python with the real interpreter: it compiles, imports, runs, and which names it defines. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceError } from "./errors.ts";

/** What a Python module defines at its top level. */
export interface PythonInventory {
  functions: string[];
  names: string[];
}

/** A top-level definition (function, class or assigned name) and its 1-based line. */
export interface PythonDefinition {
  name: string;
  line: number;
}

/** What running a module showed: its inventory, its definitions, and the commands whose `--help` ran. */
export interface PythonRun extends PythonInventory {
  definitions: PythonDefinition[];
  commands: string[];
}

const INSPECT = `
import ast, json, sys
if sys.version_info < (3, 9):
    sys.exit(9)
source = sys.stdin.read()
try:
    tree = ast.parse(source, sys.argv[1])
    compile(tree, sys.argv[1], "exec")
except SyntaxError as error:
    print(json.dumps({"error": error.msg, "line": error.lineno}))
    sys.exit(0)
functions = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
names = [target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)]
names += [node.target.id for node in tree.body if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)]
print(json.dumps({"functions": functions, "names": names}))
`;

// Imports the module from a scratch folder, then runs `python FILE --help` and `python FILE COMMAND --help`
// for every command of its `_COMMANDS` table. Prints one JSON report; a failure names the innermost
// line of the module in the traceback.
const RUN = `
import ast, importlib.util, json, os, subprocess, sys, traceback
if sys.version_info < (3, 9):
    sys.exit(9)
path = sys.argv[1]
name = os.path.splitext(os.path.basename(path))[0]
source = open(path, encoding="utf-8").read()
env = {k: v for k, v in os.environ.items() if k not in ("ML_AUTOMATION_PLUGIN_ROOT", "CLAUDE_PLUGIN_ROOT", "CURSOR_PLUGIN_ROOT")}

def fail(message, line=None, rule="runtime-run"):
    print(json.dumps({"error": message, "line": line, "rule": rule}))
    sys.exit(0)

def line_in(text):
    marker = 'File "%s", line ' % path
    lines = [int(rest.split(",")[0]) for rest in (chunk.split(marker, 1)[1] for chunk in text.splitlines() if marker in chunk)]
    return lines[-1] if lines else None

try:
    tree = ast.parse(source, path)
    compile(tree, path, "exec")
except SyntaxError as error:
    fail("Python does not compile it: %s" % error.msg, error.lineno, "runtime-compile")
definitions = []
for node in tree.body:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        definitions.append({"name": node.name, "line": node.lineno})
    elif isinstance(node, ast.Assign):
        definitions += [{"name": t.id, "line": node.lineno} for t in node.targets if isinstance(t, ast.Name)]
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        definitions.append({"name": node.target.id, "line": node.lineno})
functions = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
names = [d["name"] for d in definitions if d["name"] not in functions]
if "--compile-only" in sys.argv[2:]:
    print(json.dumps({"functions": functions, "names": names, "definitions": definitions, "commands": []}))
    sys.exit(0)

spec = importlib.util.spec_from_file_location(name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
try:
    spec.loader.exec_module(module)
except BaseException as error:
    frames = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    fail("importing it fails: %s: %s" % (type(error).__name__, error), frames[-1] if frames else None, "runtime-import")

commands = sorted(getattr(module, "_COMMANDS", {}) or {})
for argv in [["--help"]] + [[command, "--help"] for command in commands]:
    try:
        run = subprocess.run([sys.executable, path] + argv, capture_output=True, text=True, timeout=120, cwd=os.path.dirname(path), env=env)
    except subprocess.TimeoutExpired:
        fail("python3 %s %s does not finish within 120 s" % (os.path.basename(path), " ".join(argv)), None, "runtime-command")
    if run.returncode != 0 or "usage" not in run.stdout.lower():
        detail = (run.stderr.strip() or run.stdout.strip()).splitlines()
        fail("python3 %s %s exits %s: %s" % (os.path.basename(path), " ".join(argv), run.returncode, detail[-1] if detail else "no output, no usage text"), line_in(run.stderr), "runtime-command")
print(json.dumps({"functions": functions, "names": names, "definitions": definitions, "commands": commands}))
`;

// Names of a module's source: what it binds at its top level (def, class, assignment), what it
// imports there, the global names its code reads without binding them (the first line using each),
// string annotations included, and names a function rebinds with `global` that the module never binds.
const NAMES = `
import ast, builtins, json, symtable, sys
if sys.version_info < (3, 9):
    sys.exit(9)
source = sys.stdin.read()
path = sys.argv[1]
try:
    tree = ast.parse(source, path)
    top = symtable.symtable(source, path, "exec")
except SyntaxError as error:
    print(json.dumps({"error": error.msg, "line": error.lineno}))
    sys.exit(0)
bound = [s.get_name() for s in top.get_symbols() if s.is_assigned() and not s.is_imported()]
imported = [s.get_name() for s in top.get_symbols() if s.is_imported()]
own = set(bound) | set(imported) | set(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__", "__path__"}
used, rebound = set(), set()
def walk(table, module):
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if module:
            if symbol.is_referenced() and not symbol.is_assigned() and not symbol.is_imported():
                used.add(name)
        elif symbol.is_global() and symbol.is_referenced():
            used.add(name)
        if not module and symbol.is_declared_global() and symbol.is_assigned():
            rebound.add(name)
    for child in table.get_children():
        walk(child, False)
walk(top, True)
for node in ast.walk(tree):
    notes = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        notes = [a.annotation for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs + [node.args.vararg, node.args.kwarg] if a is not None] + [node.returns]
    elif isinstance(node, ast.AnnAssign):
        notes = [node.annotation]
    for note in notes:
        if isinstance(note, ast.Constant) and isinstance(note.value, str):
            try:
                used.update(n.id for n in ast.walk(ast.parse(note.value, mode="eval")) if isinstance(n, ast.Name))
            except SyntaxError:
                pass
first = {}
for node in ast.walk(tree):
    if isinstance(node, ast.Name) and node.id not in first:
        first[node.id] = node.lineno
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        for name in used:
            if name not in first and name in node.value:
                first[name] = node.lineno
print(json.dumps({
    "bound": bound,
    "imported": imported,
    "free": sorted(({"name": n, "line": first.get(n, 1)} for n in used - own), key=lambda d: d["line"]),
    "rebound": sorted(({"name": n, "line": first.get(n, 1)} for n in rebound if n not in set(bound)), key=lambda d: d["line"]),
}))
`;

/** What a module's source binds, imports and leaves free at its top level (see NAMES). */
export interface PythonNames {
  bound: string[];
  imported: string[];
  free: Array<{ name: string; line: number }>;
  rebound: Array<{ name: string; line: number }>;
}

/** This repository's test environment (.venv, made by scripts/python-env.mjs), the project's own Python when it exists. */
const projectPython = fileURLToPath(new URL(process.platform === "win32" ? "../.venv/Scripts/python.exe" : "../.venv/bin/python", import.meta.url));

/** Pythons to try, in order: $PYTHON, the project's .venv, python3, python. */
function pythons(): string[] {
  return [process.env.PYTHON ?? "", existsSync(projectPython) ? projectPython : "", "python3", "python"].filter(Boolean);
}

/**
 * Runs `script` (Python source, with `args`) with the first Python 3.9+ found (see pythons) and returns
 * which Python ran it and its stdout. Throws Error naming `file` when it fails or no Python runs.
 */
export function runPython(script: string, file: string, args: string[], input?: string): { python: string; stdout: string } {
  for (const python of pythons()) {
    if (!python) continue;
    const result = spawnSync(python, ["-c", script, ...args], { input, encoding: "utf8", timeout: 600_000 });
    if (result.error || result.status === 9) continue;
    if (result.status !== 0) throw new Error(`${python} failed while checking ${file}: ${result.stderr.trim()}`);
    return { python, stdout: result.stdout };
  }
  throw new Error(`Python 3.9+ is needed to check ${file} and was not found (tried $PYTHON, .venv, python3, python)`);
}

/**
 * Compiles `source` (named `file` in messages) with Python 3.9+ ($PYTHON, this repository's .venv,
 * python3 or python: the first that runs) and lists its top-level functions and assigned names. Throws SourceError with the line
 * of a syntax error, and Error when no suitable Python runs.
 */
export function inspectPython(file: string, source: string): PythonInventory {
  const report = JSON.parse(runPython(INSPECT, file, [file], source).stdout) as PythonInventory & { error?: string; line?: number };
  if (report.error) throw new SourceError(file, `Python does not compile it: ${report.error}`, report.line, { ruleId: "runtime-compile" });
  return { functions: report.functions, names: report.names };
}

/** A module to run: its file name in the plugin's templates/ folder (e.g. "ml_utils.py"), its name in messages, its source, and whether to import and run it (false: only compiled, for a module another one loads). */
export interface PythonModule {
  name: string;
  file: string;
  source: string;
  run?: boolean;
}

/**
 * Writes `modules` into the templates/ folder of a scratch plugin folder and runs each, in order, with
 * Python 3.9+: compiles it, and unless its `run` is false, imports it and runs `python3 FILE --help`
 * and `COMMAND --help` for each command of its `_COMMANDS` table. Returns one PythonRun per module. Throws SourceError (named by the
 * module's `file`, with its line when known) when any step fails, and Error when no suitable Python
 * runs. The scratch folder is removed.
 */
export function runPythonModules(modules: PythonModule[]): PythonRun[] {
  const folder = mkdtempSync(join(tmpdir(), "mla-runtime-"));
  try {
    const templates = join(folder, "templates");
    mkdirSync(templates);
    for (const module of modules) writeFileSync(join(templates, module.name), module.source);
    return modules.map((module) => {
      const { python, stdout } = runPython(RUN, module.file, [join(templates, module.name), ...(module.run === false ? ["--compile-only"] : [])]);
      const report = JSON.parse(stdout) as PythonRun & { error?: string; line?: number | null; rule?: string };
      if (report.error) {
        const hint = /ModuleNotFoundError/.test(report.error) ? ` (checked with ${python}; set PYTHON to a Python that has the runtime's dependencies)` : "";
        throw new SourceError(module.file, `${report.error}${hint}`, report.line ?? undefined, { ruleId: report.rule ?? "runtime-run" });
      }
      return report;
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Lists what `source` (named `file` in messages) binds and imports at its top level, the global names
 * its code uses without binding them (string annotations included; builtins excepted) and the names a
 * function rebinds with `global` that the module does not bind. Throws SourceError for a syntax error.
 */
export function pythonNames(file: string, source: string): PythonNames {
  const report = JSON.parse(runPython(NAMES, file, [file], source).stdout) as PythonNames & { error?: string; line?: number };
  if (report.error) throw new SourceError(file, `Python does not compile it: ${report.error}`, report.line, { ruleId: "runtime-compile" });
  return report;
}
