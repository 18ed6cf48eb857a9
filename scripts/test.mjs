#!/usr/bin/env node
// `npm test`: every part of the test suite, in order, each run even when an earlier one failed; exits
// non-zero when any failed, after naming them. A part that needs the Python test environment is not
// run when that environment could not be made (and counts as failed).
//   node scripts/test.mjs
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);

const parts = [
  { name: "type check (tsc)", command: [bin("tsc"), "-p", "."] },
  { name: "Python test environment (.venv)", command: [process.execPath, "scripts/python-env.mjs"], prepares: "python" },
  { name: "ruff and mypy (check:python)", command: [bin("tsx"), "scripts/check-python.ts"], needs: "python" },
  { name: "vitest", command: [bin("vitest"), "run"], needs: "python" },
  { name: "pytest", command: [process.execPath, "scripts/python-env.mjs", "--pytest"], needs: "python" },
];

const failed = new Set();
const outcomes = [];
for (const part of parts) {
  if (part.needs && failed.has(part.needs)) {
    outcomes.push(`${part.name}: not run (no Python test environment)`);
    failed.add(part.name);
    continue;
  }
  console.log(`\n== npm test: ${part.name}\n`);
  const [command, ...args] = part.command;
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  const ok = result.status === 0 && !result.error;
  outcomes.push(`${part.name}: ${ok ? "ok" : result.error ? `could not run (${result.error.message})` : `FAILED (exit ${result.status ?? result.signal})`}`);
  if (!ok) {
    failed.add(part.name);
    if (part.prepares) failed.add(part.prepares);
  }
}
console.log(`\n== npm test\n${outcomes.map((line) => `  ${line}`).join("\n")}`);
process.exit(failed.size ? 1 : 0);
