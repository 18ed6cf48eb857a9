/**
 * The Cursor rules on prose and code examples: they leave prose and examples in code blocks alone,
 * still rewrite a program call in a list item, and run a hook the tree names two ways once. Found in
 * review.
 */
import { describe, expect, it } from "vitest";
import { CURSOR_LAUNCH, cursorBody, pluginProgramToLauncher } from "../../generator/platforms/cursor.ts";
import { cursorHooks } from "../../generator/platforms/cursor-hooks.ts";

describe("Cursor rules on prose and code examples", () => {
  it("plugin-program: the plugin's name starting a wrapped prose line stays the plugin's name", () => {
    const prose = "Every run of the team is recorded by the plugin; the\nml-automation registry keeps one champion per task.\n";
    expect(cursorBody(prose)).toBe(prose);
  });

  it("plugin-program: a call in a list item goes through the launcher like one at a line start", () => {
    expect(pluginProgramToLauncher("- ml-automation registry models\n")).toBe(`- ${CURSOR_LAUNCH} registry models\n`);
  });

  it("shell-line: an example of Claude Code's `!` syntax inside a fenced code block is left as an example", () => {
    const doc = "A command file can run a program first:\n\n```markdown\n!`git status --short`\n```\n";
    expect(cursorBody(doc)).toBe(doc);
  });
});

describe("Cursor hooks file from a tree that already had one", () => {
  it("a hook script the tree's own Cursor hooks file and its Claude Code hooks.json both name runs once", () => {
    // The upstream-style fixture (test/fixtures/upstream-checkout) has exactly this pair.
    const claude = JSON.stringify({ hooks: { SessionStart: [{ hooks: [{ type: "command", command: "${CLAUDE_PLUGIN_ROOT}/hooks/session-start.sh" }] }] } });
    const own = JSON.stringify({ version: 1, hooks: { sessionStart: [{ command: "./hooks/session-start.sh" }] } });
    const { text } = cursorHooks({ launcher: "python3 launcher.py", claude, own, isPluginFile: (path) => path === "hooks/session-start.sh" });
    const commands = (JSON.parse(text) as { hooks: Record<string, Array<{ command: string }>> }).hooks.sessionStart!.map((handler) => handler.command);
    const sessionStartScripts = commands.filter((command) => command.includes("hooks/session-start.sh"));
    expect(sessionStartScripts).toHaveLength(1);
  });
});
