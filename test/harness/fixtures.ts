/**
 * What the client suites start from, set up once per suite: the bundle built from this repository,
 * installed from its local marketplace into a throwaway HOME, and a project whose registries a real
 * scikit-learn flow filled (test/fixtures/registry_flow.py). Everything is removed after the suite.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { repoRoot } from "../helpers.ts";
import { installBundle, runClaude } from "./claude.ts";
import { buildBundle, runPython } from "./project.ts";
import { userText } from "./transcript.ts";

/** A suite's bundle, HOME and filled project; the fields are set once the suite's beforeAll ran. */
export interface ClientFixture {
  /** The built marketplace folder (dist/). */
  bundle: string;
  /** The plugin folder inside it. */
  plugin: string;
  /** The HOME the bundle is installed in ("" with `install: false`). */
  home: string;
  /** The project the registry flow filled ("" with `fill: false`). */
  filled: string;
  /** A fresh copy of the filled project (or an empty folder with `fill: false`), removed after the suite. */
  project(): string;
}

/**
 * Registers the suite's set-up and clean-up, and returns the fixture they fill in. `before` runs after
 * the build and the filling, before the install (e.g. to damage the bundle on purpose).
 */
export function useClientFixture(options: { install?: boolean; fill?: boolean; before?: (fixture: ClientFixture) => void } = {}): ClientFixture {
  const made: string[] = [];
  const fixture: ClientFixture = {
    bundle: "",
    plugin: "",
    home: "",
    filled: "",
    project() {
      const copy = mkdtempSync(join(tmpdir(), "mla-project-"));
      made.push(copy);
      if (fixture.filled) cpSync(fixture.filled, copy, { recursive: true });
      return copy;
    },
  };
  beforeAll(() => {
    fixture.bundle = buildBundle();
    fixture.plugin = join(fixture.bundle, "ml-automation");
    made.push(join(fixture.bundle, ".."));
    if (options.fill !== false) {
      fixture.filled = mkdtempSync(join(tmpdir(), "mla-filled-"));
      made.push(fixture.filled);
      runPython([join(repoRoot, "test", "fixtures", "registry_flow.py"), join(fixture.plugin, "templates")], fixture.filled);
    }
    options.before?.(fixture);
    if (options.install !== false) {
      fixture.home = installBundle(fixture.bundle);
      made.push(fixture.home);
    }
  });
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}

/**
 * Types `prompt` (a slash command) in the CLI of the fixture's HOME in `cwd`, the scripted model
 * answering `answer`, and returns the text the model received first (failing when the CLI did not run).
 */
export async function commandReaches(fixture: ClientFixture, cwd: string, prompt: string, answer = "Here is the registry's answer."): Promise<string> {
  const run = await runClaude({ home: fixture.home, cwd, prompt, main: [answer] });
  expect(run.timedOut).toBe(false);
  expect(run.status).toBe(0);
  const [first] = run.conversation("main");
  expect(first, `the CLI sent nothing to the model:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  return userText(first!.body);
}
