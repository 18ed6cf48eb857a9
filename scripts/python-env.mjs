#!/usr/bin/env node
// Prepares the Python test environment (.venv from requirements-dev.txt) and, with --pytest, runs the
// runtime's pytest suite in it. The venv is rebuilt only when requirements-dev.txt changes (a stamp file
// inside .venv records the hash of the requirements it was built from).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const venv = join(root, ".venv");
const requirements = join(root, "requirements-dev.txt");
const stamp = join(venv, ".requirements-sha256");
const venvPython = process.platform === "win32" ? join(venv, "Scripts", "python.exe") : join(venv, "bin", "python");

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: "inherit", cwd: root });
  if (result.error) {
    console.error(`python-env: could not run ${cmd}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function hostPython() {
  for (const candidate of [process.env.PYTHON, "python3", "python"].filter(Boolean)) {
    const probe = spawnSync(candidate, ["-c", "import sys; assert sys.version_info >= (3, 9)"]);
    if (probe.status === 0) return candidate;
  }
  console.error("python-env: no Python 3.9+ found (tried $PYTHON, python3, python). Install Python 3 and retry.");
  process.exit(1);
}

const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
const current = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
if (current !== wanted || !existsSync(venvPython)) {
  console.log("python-env: creating .venv from requirements-dev.txt");
  rmSync(venv, { recursive: true, force: true });
  run(hostPython(), ["-m", "venv", venv]);
  run(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", requirements]);
  writeFileSync(stamp, wanted + "\n");
}

if (process.argv.includes("--pytest")) {
  run(venvPython, ["-m", "pytest", "-q", "test/python"]);
}
