/** `npm test` (scripts/test.mjs) runs every part even after one fails, and fails when any part did. */
import { describe, expect, it } from "vitest";
// @ts-expect-error - a plain ES module without types
import { PARTS, runParts } from "../scripts/test.mjs";

const quiet = () => undefined;
const part = (name: string, code: number, extra: Record<string, string> = {}) => ({ name, command: [process.execPath, "-e", `process.exit(${code})`], ...extra });

describe("npm test's parts", () => {
  it("are the type check, the Python environment, ruff and mypy, vitest and pytest, in that order", () => {
    expect((PARTS as Array<{ name: string }>).map((entry) => entry.name)).toEqual([
      "type check (tsc)", "Python test environment (.venv)", "ruff and mypy (check:python)", "vitest", "pytest",
    ]);
  });

  it("all run when an early one fails, and the run fails naming it", () => {
    const outcome = runParts([part("first", 1), part("second", 0), part("third", 0)], undefined, quiet);
    expect(outcome).toEqual({ lines: ["first: FAILED (exit 1)", "second: ok", "third: ok"], passed: false });
  });

  it("skip a part whose prerequisite could not be prepared, and pass only when every part did", () => {
    const outcome = runParts([part("env", 2, { prepares: "python" }), part("pytest", 0, { needs: "python" }), part("tsc", 0)], undefined, quiet);
    expect(outcome.lines).toEqual(["env: FAILED (exit 2)", "pytest: not run (what it needs, python, could not be prepared)", "tsc: ok"]);
    expect(outcome.passed).toBe(false);
    expect(runParts([part("a", 0), part("b", 0, { needs: "python" })], undefined, quiet).passed).toBe(true);
  });
});
