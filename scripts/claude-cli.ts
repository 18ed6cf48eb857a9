/**
 * Driving the real Claude Code CLI (npm @anthropic-ai/claude-code) against a bundle, in a throwaway
 * HOME so the user's own settings are never read or changed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));
const binary = join(repositoryRoot, "node_modules", ".bin", process.platform === "win32" ? "claude.cmd" : "claude");

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

/** Runs `claude ...args` with HOME set to `home` and non-essential traffic off. Output is stdout and stderr together. */
export function runClaude(args: string[], home: string): CliRun {
  const env = { ...process.env, HOME: home, USERPROFILE: home, DISABLE_AUTOUPDATER: "1", DISABLE_TELEMETRY: "1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" };
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
