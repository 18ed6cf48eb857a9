/**
 * Driving the real Claude Code CLI (npm @anthropic-ai/claude-code) against a bundle, in a throwaway
 * HOME so the user's own settings are never read or changed. Two clients are installed as
 * devDependencies: the current one (`@anthropic-ai/claude-code`) and the oldest supported one (the
 * alias `claude-code-oldest`); ML_AUTOMATION_CLAUDE_CLIENT=oldest picks the second (the vitest project
 * of that client sets it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

/** The Claude Code clients the tests run: the npm package (or alias) each is installed under. */
export const CLAUDE_CLIENTS = { current: "@anthropic-ai/claude-code", oldest: "claude-code-oldest" } as const;

/** Which of CLAUDE_CLIENTS a process runs. */
export type ClaudeClientName = keyof typeof CLAUDE_CLIENTS;

/** The environment variable naming the client (current or oldest) a test process runs. */
export const CLAUDE_CLIENT_ENV = "ML_AUTOMATION_CLAUDE_CLIENT";

/** One installed client: its name here, its version, and the native program to run. */
export interface ClaudeClient {
  name: ClaudeClientName;
  version: string;
  binary: string;
}

/**
 * The client `name` (default: $ML_AUTOMATION_CLAUDE_CLIENT, else current) as installed by `npm ci`.
 * The package's postinstall copies its native program over bin/claude.exe; where install scripts did
 * not run (npm's allowScripts, --ignore-scripts) the program is taken from the platform package
 * itself, so the tests never depend on that step. Throws Error naming what is missing.
 */
export function claudeClient(name: string = process.env[CLAUDE_CLIENT_ENV] || "current"): ClaudeClient {
  if (!(name in CLAUDE_CLIENTS)) throw new Error(`${CLAUDE_CLIENT_ENV}=${name}: expected one of ${Object.keys(CLAUDE_CLIENTS).join(", ")}`);
  const pkg = CLAUDE_CLIENTS[name as ClaudeClientName];
  const require = createRequire(join(repositoryRoot, "package.json"));
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(`${pkg} is not installed: run \`npm ci\``);
  }
  const folder = dirname(manifest);
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  const placed = join(folder, "bin", "claude.exe");
  // The unplaced bin/claude.exe is a stub of a few hundred bytes.
  if (existsSync(placed) && statSync(placed).size > 1_000_000) return { name: name as ClaudeClientName, version, binary: placed };
  const platform = `@anthropic-ai/claude-code-${platformKey()}`;
  try {
    const native = dirname(createRequire(manifest).resolve(`${platform}/package.json`));
    return { name: name as ClaudeClientName, version, binary: join(native, process.platform === "win32" ? "claude.exe" : "claude") };
  } catch {
    throw new Error(`${pkg}@${version}: neither its program (bin/claude.exe) nor ${platform} is installed: run \`npm ci\` (optional dependencies included)`);
  }
}

/** The platform part of Claude Code's native package names (linux-x64, linux-x64-musl, darwin-arm64, ...). */
function platformKey(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = process.platform === "linux" && report !== undefined && report.header?.glibcVersionRuntime === undefined;
  return `${process.platform}-${process.arch}${musl ? "-musl" : ""}`;
}

/** The result of one CLI run. */
export interface CliRun {
  status: number | null;
  output: string;
}

/** What `claude plugin details` reports for an installed plugin. */
export interface PluginDetails {
  version: string;
  agents: string[];
  skills: string[];
  alwaysOnTokens: number;
  output: string;
}

/** Runs `claude ...args` with HOME set to `home`, non-essential traffic off, and `extra` in the environment. Output is stdout and stderr together. */
export function runClaude(args: string[], home: string, extra: Record<string, string> = {}): CliRun {
  const env = { ...process.env, HOME: home, USERPROFILE: home, DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", ...extra };
  const { binary } = claudeClient();
  const result = spawnSync(binary, args, { env, encoding: "utf8", timeout: 120_000 });
  if (result.error) throw new Error(`could not run ${binary}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * Installs the bundle in `bundleDir` from its local marketplace into a fresh temporary HOME and
 * returns `claude plugin details` for `plugin` (throws Error with the CLI's output if a step fails).
 */
export function installAndDescribe(bundleDir: string, plugin: string): PluginDetails {
  const home = mkdtempSync(join(tmpdir(), "mla-home-"));
  try {
    const marketplace = runClaude(["plugin", "marketplace", "add", resolve(bundleDir)], home);
    if (marketplace.status !== 0) throw new Error(`claude plugin marketplace add failed:\n${marketplace.output}`);
    const name = /marketplace: (\S+)/.exec(marketplace.output)?.[1];
    const install = runClaude(["plugin", "install", `${plugin}@${name}`], home);
    if (install.status !== 0) throw new Error(`claude plugin install failed:\n${install.output}`);
    const details = runClaude(["plugin", "details", plugin], home);
    if (details.status !== 0) throw new Error(`claude plugin details failed:\n${details.output}`);
    return parseDetails(details.output);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Parses the text of `claude plugin details`. */
export function parseDetails(output: string): PluginDetails {
  const list = (label: string) => (new RegExp(`^\\s*${label} \\(\\d+\\)\\s+(.*)$`, "m").exec(output)?.[1] ?? "").split(",").map((item) => item.trim()).filter(Boolean);
  const tokens = /Always-on:\s+~?([\d,]+) tok/.exec(output)?.[1];
  return {
    version: /^\S+ (\d+\.\d+\.\d+\S*)$/m.exec(output)?.[1] ?? "",
    agents: list("Agents"),
    skills: list("Skills"),
    alwaysOnTokens: tokens ? Number(tokens.replace(/,/g, "")) : Number.NaN,
    output,
  };
}
