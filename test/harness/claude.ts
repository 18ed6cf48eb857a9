/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code) driven as a user drives it: the built
 * bundle installed from its local marketplace into a throwaway HOME, then `claude -p` run in a project
 * folder against the scripted stand-in of the Messages API. Where the machine allows it, the CLI runs
 * in its own network namespace (`unshare -n`) whose only interface is loopback. The client is the one
 * the test process names (scripts/claude-cli.ts: current, or the oldest supported).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { claudeClient, runClaude as runClaudeSync } from "../../scripts/claude-cli.ts";
import { systemText } from "./transcript.ts";
import { startStandIn, type ConversationName, type RecordedRequest, type Script } from "./stand-in.ts";

const launcher = fileURLToPath(new URL("./launch.mjs", import.meta.url));

/** Environment every run gets: no updater, telemetry or other traffic, a dummy key. */
const QUIET_ENV = {
  DISABLE_AUTOUPDATER: "1",
  DISABLE_TELEMETRY: "1",
  DISABLE_ERROR_REPORTING: "1",
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  ANTHROPIC_API_KEY: "sk-ant-stand-in-dummy",
};

let isolation: { unshare: string; ip: string } | null | undefined;

/** Where `unshare` and `ip` are, when a loopback-only network namespace can be made here; else null. */
export function networkIsolation(): { unshare: string; ip: string } | null {
  if (isolation !== undefined) return isolation;
  const find = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  const unshare = find("unshare");
  const ip = find("ip");
  const works = unshare && ip && spawnSync(unshare, ["-n", ip, "link", "set", "lo", "up"], { stdio: "ignore" }).status === 0;
  isolation = works ? { unshare, ip } : null;
  return isolation;
}

/**
 * Installs the plugin `plugin` from the marketplace folder `bundleDir` into a new temporary HOME, with
 * its options (userConfig) set to `config` as `claude plugin install --config KEY=VALUE` sets them,
 * and returns that HOME. Throws Error with the CLI's output when a step fails.
 */
export function installBundle(bundleDir: string, plugin = "ml-automation", config: Record<string, string> = {}): string {
  const home = mkdtempSync(join(tmpdir(), "mla-home-"));
  const marketplace = runClaudeSync(["plugin", "marketplace", "add", resolve(bundleDir)], home);
  if (marketplace.status !== 0) throw new Error(`claude plugin marketplace add failed:\n${marketplace.output}`);
  const name = /marketplace: (\S+)/.exec(marketplace.output)?.[1];
  const options = Object.entries(config).flatMap(([key, value]) => ["--config", `${key}=${value}`]);
  const install = runClaudeSync(["plugin", "install", `${plugin}@${name}`, ...options], home);
  if (install.status !== 0) throw new Error(`claude plugin install failed:\n${install.output}`);
  return home;
}

/** What to run: a prompt in a project folder with a HOME, each conversation answered from its script. */
export interface RunOptions extends Script {
  home: string;
  cwd: string;
  prompt: string;
  /** Extra CLI arguments (e.g. --permission-mode acceptEdits --allowedTools ...). */
  args?: string[];
  /** Extra environment; PATH here replaces the inherited one. */
  env?: Record<string, string>;
  /** Killed after this long (default 90 s). */
  timeoutMs?: number;
}

/** The outcome of one run: the CLI's exit, its output, its stream-json events, and what reached the model. */
export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  events: Array<Record<string, unknown>>;
  /** Every request, in the order received, with its conversation and turn. */
  requests: RecordedRequest[];
  /** The requests of one conversation ("main", a subagent type, "side"), in order. */
  conversation(name: ConversationName): RecordedRequest[];
  /** Requests no script answered (a conversation the scripts do not know, or past the end of its script), described. */
  unanswered: string[];
  /** Turns of the scripts that no request reached ("main turn 2"). */
  unusedTurns: string[];
  /** Whether the CLI ran in a loopback-only network namespace. */
  isolated: boolean;
  timedOut: boolean;
}

/**
 * Runs `claude -p PROMPT --output-format stream-json --verbose` with the stand-in answering each
 * conversation from its script (`main`, `agents`), and returns what happened. The stand-in is stopped
 * before this returns.
 */
export async function runClaude(options: RunOptions): Promise<RunResult> {
  const standIn = await startStandIn({ main: options.main, agents: options.agents });
  try {
    const isolation = networkIsolation();
    const cli = [claudeClient().binary, "-p", options.prompt, "--output-format", "stream-json", "--verbose", ...(options.args ?? [])];
    // Absolute paths up to the CLI itself, so that a test's PATH (say, one without python3) only
    // changes what the CLI and its tools see.
    const launch = [process.execPath, launcher, standIn.socketPath, "--", ...cli];
    const [command, ...args] = isolation ? [isolation.unshare, "-n", "/bin/sh", "-c", '"$0" link set lo up && exec "$@"', isolation.ip, ...launch] : launch;
    const env = { ...process.env, ...QUIET_ENV, HOME: options.home, USERPROFILE: options.home, ...options.env };
    const outcome = await spawnBounded(command ?? process.execPath, args, { cwd: options.cwd, env }, options.timeoutMs ?? 90_000);
    const events = outcome.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    const requests = [...standIn.requests];
    const unanswered = requests
      .filter((request) => request.answer === "unscripted")
      .map((request) => `request ${request.index} (${request.conversation ?? "an unknown subagent"}, ${request.body.messages.length} messages): ${systemText(request.body).slice(0, 160)}`);
    return {
      ...outcome,
      events,
      requests,
      conversation: (name) => requests.filter((request) => request.conversation === name),
      unanswered,
      unusedTurns: standIn.unusedTurns(),
      isolated: isolation !== null,
    };
  } finally {
    await standIn.stop();
  }
}

/**
 * Runs `command` in its own process group and collects its output. Past `timeoutMs` the whole group
 * (the launcher, the CLI and whatever they started) is killed and the promise settles at once, even
 * if a stray process still holds the output pipes.
 */
function spawnBounded(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }, timeoutMs: number) {
  return new Promise<{ status: number | null; stdout: string; stderr: string; timedOut: boolean }>((resolvePromise, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      child.stdout.destroy();
      child.stderr.destroy();
      resolvePromise({ status: null, stdout, stderr, timedOut });
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr, timedOut });
    });
  });
}
