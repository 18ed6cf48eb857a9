#!/usr/bin/env node
// `npm test`: every part of the test suite, in order, each run even when an earlier one failed; exits
// non-zero when any failed, after naming them. A part that needs the Python test environment is not
// run when that environment could not be made (and counts as failed).
//   node scripts/test.mjs
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

/** The parts of `npm test`: a name, the command, and what it prepares for later parts or needs from earlier ones. */
export const PARTS = [
  { name: "type check (tsc)", command: [bin("tsc"), "-p", "."] },
  { name: "Python test environment (.venv)", command: [process.execPath, "scripts/python-env.mjs"], prepares: "python" },
  { name: "ruff and mypy (check:python)", command: [bin("tsx"), "scripts/check-python.ts"], needs: "python" },
  { name: "vitest", command: [bin("vitest"), "run"], needs: "python" },
  { name: "pytest", command: [process.execPath, "scripts/python-env.mjs", "--pytest"], needs: "python" },
];

/**
 * Runs each of `parts` in `cwd` (output shown as it comes, each part announced with `announce`), each
 * even when an earlier one failed, except one that needs what a failed part prepares. Returns the
 * summary lines and whether all passed.
 */
export function runParts(parts, cwd = root, announce = console.log) {
  const failed = new Set();
  const lines = [];
  for (const part of parts) {
    if (part.needs && failed.has(part.needs)) {
      lines.push(`${part.name}: not run (what it needs, ${part.needs}, could not be prepared)`);
      failed.add(part.name);
      continue;
    }
    announce(`\n== npm test: ${part.name}\n`);
    const [command, ...args] = part.command;
    const result = spawnSync(command, args, { cwd, stdio: "inherit" });
    const ok = result.status === 0 && !result.error;
    lines.push(`${part.name}: ${ok ? "ok" : result.error ? `could not run (${result.error.message})` : `FAILED (exit ${result.status ?? result.signal})`}`);
    if (!ok) {
      failed.add(part.name);
      if (part.prepares) failed.add(part.prepares);
    }
  }
  return { lines, passed: failed.size === 0 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { lines, passed } = runParts(PARTS);
  console.log(`\n== npm test\n${lines.map((line) => `  ${line}`).join("\n")}`);
  process.exit(passed ? 0 : 1);
}
