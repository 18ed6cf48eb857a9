/**
 * What the plugin costs every request: the characters of the first request the CLI sends with the
 * plugin enabled, minus the same request with it disabled (same HOME, project, CLI and prompt).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runClaude as runClaudeSync } from "../../scripts/claude-cli.ts";
import { installBundle, runClaude } from "./claude.ts";
import { allText, listing } from "./transcript.ts";

/** Sizes of the first request with and without the plugin, and the plugin's lines of the listing. */
export interface ContextCost {
  withPlugin: number;
  withoutPlugin: number;
  added: number;
  /** Lines of the agent/command/skill listing that name the plugin (`- plugin:name: ...`). */
  lines: string[];
}

/** Measures what the plugin `plugin` of the marketplace folder `bundleDir` adds to every request. */
export async function measureContextCost(bundleDir: string, plugin = "ml-automation"): Promise<ContextCost> {
  const home = installBundle(bundleDir, plugin);
  const project = mkdtempSync(join(tmpdir(), "mla-cost-"));
  try {
    const ask = async () => {
      const run = await runClaude({ home, cwd: project, prompt: "hello", main: ["hello"] });
      const [first] = run.conversation("main");
      if (!first) throw new Error(`the CLI sent no request:\n${run.stdout}\n${run.stderr}`);
      return first.body;
    };
    const enabled = await ask();
    const disable = runClaudeSync(["plugin", "disable", plugin], home);
    if (disable.status !== 0) throw new Error(`claude plugin disable failed:\n${disable.output}`);
    const disabled = await ask();
    const withPlugin = allText(enabled).length;
    const withoutPlugin = allText(disabled).length;
    const lines = listing(enabled)
      .split("\n")
      .filter((line) => line.startsWith(`- ${plugin}:`));
    return { withPlugin, withoutPlugin, added: withPlugin - withoutPlugin, lines };
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(project, { recursive: true, force: true });
  }
}
