/** Hook handlers a release adds to hooks/hooks.json: edited in place, idempotent, bad files named. */
import { describe, expect, it } from "vitest";
import { sourceErrorsOf } from "../../generator/errors.ts";
import { addHookHandlers } from "../../generator/hook-handlers.ts";
import type { HookHandler } from "../../generator/release.ts";

const guard: HookHandler = { event: "PreToolUse", matcher: "Write|Edit", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/guard.py"', timeout: 10 };
const check: HookHandler = { event: "SubagentStop", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/check.py"' };

function errorOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    const [first] = sourceErrorsOf(error) ?? [];
    if (first) return { ruleId: first.ruleId, line: first.line, column: first.column };
    throw error;
  }
  return null;
}

describe("addHookHandlers", () => {
  it("creates the hooks file when the tree has none", () => {
    const { text, added } = addHookHandlers("hooks/hooks.json", undefined, [guard]);
    expect(added).toEqual([true]);
    expect(JSON.parse(text)).toEqual({ hooks: { PreToolUse: [{ matcher: "Write|Edit", hooks: [{ type: "command", command: guard.command, timeout: 10 }] }] } });
  });

  it("adds an event next to the tree's own handlers and keeps every other byte (tabs, CRLF)", () => {
    const own = '{\r\n\t"description": "theirs",\r\n\t"hooks": {\r\n\t\t"SessionStart": [{ "hooks": [{ "type": "command", "command": "start.sh" }] }]\r\n\t}\r\n}\r\n';
    const { text, added } = addHookHandlers("hooks/hooks.json", own, [guard, check]);
    expect(added).toEqual([true, true]);
    expect(text.startsWith('{\r\n\t"description": "theirs",\r\n\t"hooks": {\r\n\t\t"SessionStart": [{ "hooks": [{ "type": "command", "command": "start.sh" }] }],')).toBe(true);
    expect(text).not.toMatch(/[^\r]\n/);
    const data = JSON.parse(text);
    expect(Object.keys(data.hooks)).toEqual(["SessionStart", "PreToolUse", "SubagentStop"]);
    expect(data.hooks.SubagentStop[0].hooks[0]).toEqual({ type: "command", command: check.command });
  });

  it("appends to an event the tree already hooks, and a second application changes nothing", () => {
    const own = JSON.stringify({ hooks: { PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "lint.sh" }] }] } }, null, 2);
    const once = addHookHandlers("hooks/hooks.json", own, [guard]);
    expect(JSON.parse(once.text).hooks.PreToolUse.map((group: { matcher: string }) => group.matcher)).toEqual(["Bash", "Write|Edit"]);
    const twice = addHookHandlers("hooks/hooks.json", once.text, [guard]);
    expect(twice).toEqual({ text: once.text, added: [false] });
  });

  it("adds one command once per tool it is conditioned on (matcher and `if`), and a second application changes nothing", () => {
    const perTool: HookHandler[] = ["Write", "Edit"].map((tool) => ({ event: "PreToolUse", matcher: tool, if: `${tool}(**/mlops/**)`, command: guard.command }));
    const once = addHookHandlers("hooks/hooks.json", undefined, perTool);
    expect(once.added).toEqual([true, true]);
    expect(JSON.parse(once.text).hooks.PreToolUse).toEqual([
      { matcher: "Write", hooks: [{ type: "command", if: "Write(**/mlops/**)", command: guard.command }] },
      { matcher: "Edit", hooks: [{ type: "command", if: "Edit(**/mlops/**)", command: guard.command }] },
    ]);
    expect(addHookHandlers("hooks/hooks.json", once.text, perTool)).toEqual({ text: once.text, added: [false, false] });
    // The same command without the condition is another handler.
    expect(addHookHandlers("hooks/hooks.json", once.text, [{ ...perTool[0]!, if: undefined }]).added).toEqual([true]);
  });

  it("names the place of a file that is not JSON, or not shaped as Claude Code reads it", () => {
    expect(errorOf(() => addHookHandlers("hooks/hooks.json", '{\n  "hooks": {,}\n}\n', [guard]))).toEqual({ ruleId: "hooks-json", line: 2, column: 13 });
    expect(errorOf(() => addHookHandlers("hooks/hooks.json", '{\n  "hooks": []\n}\n', [guard]))).toEqual({ ruleId: "hooks-json", line: 2, column: 12 });
    expect(errorOf(() => addHookHandlers("hooks/hooks.json", '{"hooks": {"PreToolUse": {}}}', [guard]))).toEqual({ ruleId: "hooks-json", line: 1, column: 26 });
  });
});
