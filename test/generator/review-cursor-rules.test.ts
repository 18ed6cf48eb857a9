/**
 * Review findings: the Cursor rules are regular expressions over the whole text, so they fire in
 * prose and in code examples where they should not, and miss a program call in a list item (which the
 * verify check misses too). Each test fails today.
 */
import { describe, expect, it } from "vitest";
import { CURSOR_LAUNCH, cursorBody, cursorHooks, pluginProgramToLauncher } from "../../generator/platforms/cursor.ts";

describe("review: Cursor rules on prose and code examples", () => {
  it("plugin-program: the plugin's name starting a wrapped prose line stays the plugin's name", () => {
    const prose = "Every run of the team is recorded by the plugin; the\nml-automation registry keeps one champion per task.\n";
    // Today: "the\npython3 .cursor/ml_automation.py registry keeps one champion per task."
    expect(cursorBody(prose)).toBe(prose);
  });

  it("plugin-program: a call in a list item goes through the launcher like one at a line start", () => {
    // Today the list item keeps `ml-automation ...`, a program Cursor has on no PATH, and
    // scripts/verify/cursor-file-checks.ts (pattern (?:`|^[ \t]*)ml-automation ) does not flag it.
    expect(pluginProgramToLauncher("- ml-automation registry models\n")).toBe(`- ${CURSOR_LAUNCH} registry models\n`);
  });

  it("shell-line: an example of Claude Code's `!` syntax inside a fenced code block is left as an example", () => {
    const doc = "A command file can run a program first:\n\n```markdown\n!`git status --short`\n```\n";
    // Today the example becomes a step with its own ```bash fence nested in the ```markdown fence.
    expect(cursorBody(doc)).toBe(doc);
  });
});

describe("review: Cursor hooks file from a tree that already had one", () => {
  it("a hook script the tree's own Cursor hooks file and its Claude Code hooks.json both name runs once", () => {
    // The upstream-style fixture (test/fixtures/upstream-checkout) has exactly this pair.
    const claude = JSON.stringify({ hooks: { SessionStart: [{ hooks: [{ type: "command", command: "${CLAUDE_PLUGIN_ROOT}/hooks/session-start.sh" }] }] } });
    const own = JSON.stringify({ version: 1, hooks: { sessionStart: [{ command: "./hooks/session-start.sh" }] } });
    const { text } = cursorHooks(claude, own);
    const commands = (JSON.parse(text) as { hooks: Record<string, Array<{ command: string }>> }).hooks.sessionStart!.map((handler) => handler.command);
    const sessionStartScripts = commands.filter((command) => command.includes("hooks/session-start.sh"));
    // Today: ["${CURSOR_PLUGIN_ROOT}/hooks/session-start.sh", "./hooks/session-start.sh"].
    expect(sessionStartScripts).toHaveLength(1);
  });
});
