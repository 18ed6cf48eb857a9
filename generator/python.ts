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
print(json.dumps({"functions": functions, "names": names}))
`;

/**
 * Compiles `source` (named `file` in messages) with Python 3.9+ ($PYTHON, python3 or python, the first
 * that runs) and lists its top-level functions and assigned names. Throws SourceError with the line
 * of a syntax error, and Error when no suitable Python runs.
 */
export function inspectPython(file: string, source: string): PythonInventory {
  for (const python of [process.env.PYTHON, "python3", "python"]) {
    if (!python) continue;
    const result = spawnSync(python, ["-c", INSPECT, file], { input: source, encoding: "utf8" });
    if (result.error || result.status === 9) continue;
    if (result.status !== 0) throw new Error(`${python} failed while checking ${file}: ${result.stderr.trim()}`);
    const report = JSON.parse(result.stdout) as PythonInventory & { error?: string; line?: number };
    if (report.error) throw new SourceError(file, `Python does not compile it: ${report.error}`, report.line);
    return { functions: report.functions, names: report.names };
  }
  throw new Error(`Python 3.9+ is needed to check ${file} and was not found (tried $PYTHON, python3, python)`);
}
