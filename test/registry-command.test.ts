/**
 * /registry in the real Claude Code CLI, on a registry filled by a scikit-learn flow: what the model
 * receives for every form (typed bare, as people type it, and namespaced), for every error, and for
 * arguments that try to be shell.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installBundle, runClaude } from "./harness/claude.ts";
import { pathWithout } from "./harness/project.ts";
import { userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture();
const runtime = () => join(fixture.plugin, "templates", "ml_automation.py");

/** Runs the runtime's registry command directly, as a person would in a terminal. */
function direct(args: string[], cwd = fixture.filled) {
  const result = spawnSync("python3", [runtime(), "registry", ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same command as an editor runs it (bounded like every view there), without the client. */
function directInEditor(args: string[], cwd = fixture.filled) {
  const result = spawnSync("python3", [runtime(), "--editor-args", "registry", ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `/registry ARGS` (or `/ml-automation:registry ARGS` with `namespaced`) in the CLI and returns the text the model received. */
async function viaEditor(args: string, options: { cwd?: string; env?: Record<string, string>; namespaced?: boolean } = {}) {
  const command = options.namespaced ? "/ml-automation:registry" : "/registry";
  const run = await runClaude({ home: fixture.home, cwd: options.cwd ?? fixture.filled, prompt: `${command} ${args}`.trimEnd(), main: ["Here is your registry."], env: options.env });
  expect(run.timedOut).toBe(false);
  expect(run.status).toBe(0);
  const [first] = run.conversation("main");
  expect(first, `the CLI sent nothing to the model:\n${run.stdout}\n${run.stderr}`).toBeDefined();
  return userText(first!.body);
}

describe("every /registry form reaches the model with the runtime's output", () => {
  it.each([
    ["summary", ""],
    ["models", "models"],
    ["the champion", "models --champion"],
    ["features of one domain", "features --domain clinical"],
    ["experiments", "experiments"],
    ["data versions", "data"],
    ["lineage of a model", "lineage model_ridge"],
    ["lineage as a Mermaid flowchart", "lineage model_ridge --mermaid"],
    ["the summary with a lineage diagram", "--mermaid"],
    ["JSON", "models --json"],
  ])("%s (%s)", async (_what, args) => {
    const expected = (args.includes("--json") ? directInEditor : direct)(args ? args.split(" ") : []);
    expect(expected.status).toBe(0);
    expect(expected.stdout.trim().length).toBeGreaterThan(20);
    const received = await viaEditor(args);
    expect(received).toContain(expected.stdout.trim());
    expect(received).toContain("Show the runtime's output to the user");
  });

  it("JSON is the editor's bounded view there, and every entry in a terminal", async () => {
    const inTerminal = JSON.parse(direct(["models", "--json"]).stdout) as { total: number; shown: number; models: unknown[] };
    expect(inTerminal.shown).toBe(inTerminal.total);
    const received = await viaEditor("models --json --limit 1");
    const bounded = JSON.parse(directInEditor(["models", "--json", "--limit", "1"]).stdout) as { shown: number; more: string };
    expect(bounded.shown).toBe(1);
    expect(received).toContain(bounded.more);
  });

  it("typed namespaced too (/ml-automation:registry models --champion), the same output", async () => {
    const expected = direct(["models", "--champion"]);
    const received = await viaEditor("models --champion", { namespaced: true });
    expect(received).toContain(expected.stdout.trim());
    expect(received).toContain("# /registry");
  });
});

it("report: the model gets the path of the HTML file written and the guidance, never the page", async () => {
  const alone = direct(["report"]);
  const path = /^Wrote the registry report: (.+?) \(/.exec(alone.stdout)?.[1] ?? "";
  expect(alone.status).toBe(0);
  expect(path.startsWith(fixture.filled)).toBe(true);
  rmSync(path);
  const received = await viaEditor("report");
  expect(received).toContain(`Wrote the registry report: ${path} (`);
  expect(received).toContain("**report**");
  expect(received).not.toContain("<!DOCTYPE");
  expect(readFileSync(path, "utf8")).toContain('<meta name="generator" content="ml-automation registry report">');
});

describe("errors reach the model, with the command's guidance for them", () => {
  it("an unknown model id: the error and the registered ids (the runtime alone exits 1)", async () => {
    const alone = direct(["lineage", "no_such_model"]);
    expect(alone.status).toBe(1);
    expect(alone.stdout + alone.stderr).toContain("no_such_model");
    const received = await viaEditor("lineage no_such_model");
    expect(received).toContain("no model 'no_such_model'");
    expect(received).toContain("model_ridge");
    expect(received).toMatch(/exited with status 1/);
    expect(received).toContain("**an unknown model id**");
  });

  it("no python3 on PATH: the model is told what is missing", async () => {
    const received = await viaEditor("models", { env: { PATH: pathWithout(["python"]) } });
    expect(received).toContain("no Python 3.9+ found on PATH");
    expect(received).toContain("**no Python 3.9+ found**");
  });

  it("a damaged registry file: the DAMAGED notice naming file and line, what could be read, and the repair offer (the runtime alone exits 3)", async () => {
    const damaged = mkdtempSync(join(tmpdir(), "mla-damaged-"));
    try {
      cpSync(join(fixture.filled, "mlops"), join(damaged, "mlops"), { recursive: true });
      const registry = join(damaged, "mlops", "model-registry.json");
      const lines = readFileSync(registry, "utf8").split("\n");
      const broken = lines.findIndex((line) => line.trimStart().startsWith('{"model_id": "model_random_forest"'));
      expect(broken).toBeGreaterThan(0);
      lines[broken] = lines[broken]!.slice(0, 40);
      writeFileSync(registry, lines.join("\n"));
      const alone = direct([], damaged);
      expect(alone.status).toBe(3);
      const notice = new RegExp(`DAMAGED: mlops/model-registry\\.json:(${broken + 1}|${broken + 2}): .*line ${broken + 1} \\(model_id 'model_random_forest'`);
      expect(alone.stdout).toMatch(notice);
      const received = await viaEditor("", { cwd: damaged });
      expect(received).toMatch(notice);
      expect(received).toContain("model_ridge");
      expect(received).toMatch(/exited with status 3/);
      expect(received).toContain("**DAMAGED**");
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });

  it("repair from the editor command only shows what it would do: the damaged file stays as it was", async () => {
    const damaged = mkdtempSync(join(tmpdir(), "mla-repair-"));
    try {
      cpSync(join(fixture.filled, "mlops"), join(damaged, "mlops"), { recursive: true });
      const registry = join(damaged, "mlops", "model-registry.json");
      writeFileSync(registry, readFileSync(registry, "utf8").slice(0, -40));
      const before = readFileSync(registry);
      const received = await viaEditor("repair", { cwd: damaged });
      // Named as it works where it is read: the editor's workflow, and the assistant's shell for the change.
      expect(received).toContain("From the editor, `/registry repair` only shows what it would do; to apply it, ask the assistant to run `ml-automation registry repair`.");
      expect(received).toContain("Dry run, nothing changed");
      expect(readFileSync(registry)).toEqual(before);
      expect(readdirSync(join(damaged, "mlops")).filter((name) => name.includes(".damaged-"))).toEqual([]);
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });

  it("bad usage: the runtime's usage text (the runtime alone exits 2)", async () => {
    const alone = direct(["models", "--bogus"]);
    expect(alone.status).toBe(2);
    const received = await viaEditor("models --bogus");
    expect(received).toMatch(/usage: \/registry /); // what the person types in the editor, where they read it
    expect(received).toContain("unrecognized arguments: --bogus");
    expect(received).toContain("**usage text**");
  });

  it("quotes that do not close: the problem is named, nothing runs", async () => {
    const received = await viaEditor('features --domain "clinical');
    expect(received).toContain("close every quote");
  });
});

describe("arguments are data: nothing the user or the model passes runs as shell", () => {
  // Each payload tries two things: create a file (a side effect) and print PWNED42 through shell
  // arithmetic (output that would reach the model). Claude Code's own permission check stops some
  // commands (touch) but lets read-only ones (echo) through, so both are tried.
  const forms: Array<[string, (command: string) => string]> = [
    ["a semicolon", (command) => `models; ${command}`],
    ["&&", (command) => `models && ${command}`],
    ["a pipe", (command) => `models | ${command}`],
    ["backticks", (command) => `models \`${command}\``],
    ["$(...)", (command) => `models $(${command})`],
    ["a newline", (command) => `models\n${command}`],
    ["the here-document's own delimiter", (command) => `models\n!ARGS\n${command}\n!ARGS`],
    ["the end line and delimiter", (command) => `models\n!END\n!ARGS\n${command}`],
    ["a closing quote", (command) => `models'; ${command}; echo '`],
  ];

  it.each(forms)("%s", async (_what, payload) => {
    const sandbox = mkdtempSync(join(tmpdir(), "mla-inject-"));
    const marker = join(sandbox, "pwned");
    try {
      for (const command of [`touch ${marker}`, "echo PWNED$((6*7))"]) {
        const received = await viaEditor(payload(command));
        expect(existsSync(marker), `${marker} was created: the arguments ran as shell`).toBe(false);
        expect(received).not.toContain("PWNED42");
        expect(received).toMatch(/usage: \/registry |the arguments were cut short/);
      }
      expect(readdirSync(sandbox)).toEqual([]);
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it("the same payload does run with a command file that pastes $ARGUMENTS into the shell (the check can fail)", async () => {
    const unsafe = join(mkdtempSync(join(tmpdir(), "mla-unsafe-")), "dist");
    cpSync(fixture.bundle, unsafe, { recursive: true });
    const command = join(unsafe, "ml-automation", "skills", "registry", "SKILL.md");
    const text = readFileSync(command, "utf8");
    writeFileSync(command, text.replace(/!`ml-automation[^`]*`/, "!`ml-automation registry $ARGUMENTS`"));
    const unsafeHome = installBundle(unsafe);
    try {
      const run = await runClaude({ home: unsafeHome, cwd: fixture.filled, prompt: "/registry models; echo PWNED$((6*7))", main: ["ok"] });
      expect(userText(run.conversation("main")[0]!.body)).toContain("PWNED42");
    } finally {
      for (const dir of [unsafeHome, join(unsafe, "..")]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
