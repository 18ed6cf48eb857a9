/** Checking generated Python with the real interpreter: it compiles, and which names it defines. */
import { spawnSync } from "node:child_process";
import { SourceError } from "./errors.ts";

/** What a Python module defines at its top level. */
export interface PythonInventory {
  functions: string[];
  names: string[];
}

const INSPECT = `
import ast, json, sys
source = sys.stdin.read()
try:
    tree = ast.parse(source, sys.argv[1])
    compile(tree, sys.argv[1], "exec")
except SyntaxError as error:
    print(json.dumps({"error": error.msg, "line": error.lineno}))
    sys.exit(0)
functions = [node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
names = [target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)]
print(json.dumps({"functions": functions, "names": names}))
`;

/** Returns the Python 3 interpreter to use: $PYTHON, python3 or python. Throws Error when none runs. */
export function findPython(): string {
  for (const candidate of [process.env.PYTHON, "python3", "python"]) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)"]);
    if (probe.status === 0) return candidate;
  }
  throw new Error("Python 3.9+ is needed to check ml_utils.py and was not found (tried $PYTHON, python3, python)");
}

/**
 * Compiles `source` (named `file` in messages) with Python and lists its top-level functions and
 * assigned names. Throws SourceError with the line of a syntax error.
 */
export function inspectPython(file: string, source: string): PythonInventory {
  const result = spawnSync(findPython(), ["-c", INSPECT, file], { input: source, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`python failed while inspecting ${file}: ${result.stderr.trim()}`);
  const report = JSON.parse(result.stdout) as PythonInventory & { error?: string; line?: number };
  if (report.error) throw new SourceError(file, `Python does not compile it: ${report.error}`, report.line);
  return { functions: report.functions, names: report.names };
}
