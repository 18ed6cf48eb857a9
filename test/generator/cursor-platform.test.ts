/** The named rules that render what Cursor reads from what Claude Code reads, one by one. */
import { describe, expect, it } from "vitest";
import {
  argumentsToText, CURSOR_LAUNCH, cursorAgent, cursorCommand, cursorHooks, dropFrontmatter, pluginProgramToLauncher, pluginRootToLauncher, registryFolderForCursor,
  renderCursor, shellLinesToSteps, skillFromCommand,
} from "../../generator/platforms/cursor.ts";

const REGISTRY = `---
description: Show registered models.
argument-hint: "[models]"
allowed-tools: Bash(ml-automation:*)
---

# /ml-automation:registry

!\`ml-automation --editor registry <<'!ARGS'
$ARGUMENTS
!END
!ARGS\`

Show the runtime's output. To rebuild: \`ml-automation registry repair --dry-run\`.
`;

describe("Cursor rules", () => {
  it("command-frontmatter: the block is left out, the body starts at its first line", () => {
    expect(dropFrontmatter(REGISTRY).startsWith("# /ml-automation:registry\n")).toBe(true);
    expect(dropFrontmatter("# No frontmatter\n")).toBe("# No frontmatter\n");
  });

  it("shell-line: the editor form becomes a step running the same command through the launcher; any other `!` line a step too", () => {
    const step = shellLinesToSteps(REGISTRY);
    expect(step).toContain(`Run \`${CURSOR_LAUNCH} --editor-args registry\` from the project root, followed by the arguments given with the command, each in single quotes`);
    expect(step).not.toMatch(/!`|<<'!ARGS'/);
    expect(shellLinesToSteps("Status:\n\n!`git status --short`\n")).toBe("Status:\n\nRun this from the project root and read its output, errors included (the output this command refers to):\n\n```bash\ngit status --short\n```\n");
    expect(shellLinesToSteps("```!\nls -la\n```\n")).toContain("```bash\nls -la\n```");
    expect(shellLinesToSteps("Not a shell line: wow!`x` and `!important`.")).toBe("Not a shell line: wow!`x` and `!important`.");
  });

  it("arguments: $ARGUMENTS, in code or not, becomes a reference to the arguments", () => {
    expect(argumentsToText("Explore `$ARGUMENTS` (a file). Train on $ARGUMENTS.")).toBe("Explore the arguments given with the command (a file). Train on the arguments given with the command.");
  });

  it("plugin-program: calls of the bin/ program go through the launcher; the plugin's name in prose stays", () => {
    expect(pluginProgramToLauncher("Run `ml-automation copy-runtime` first.\n\n```bash\nml-automation registry models\n```\nThe ml-automation plugin; /ml-automation:registry.")).toBe(
      `Run \`${CURSOR_LAUNCH} copy-runtime\` first.\n\n\`\`\`bash\n${CURSOR_LAUNCH} registry models\n\`\`\`\nThe ml-automation plugin; /ml-automation:registry.`,
    );
  });

  it("plugin-root: ${CLAUDE_PLUGIN_ROOT} becomes what the launcher prints", () => {
    expect(pluginRootToLauncher("cp ${CLAUDE_PLUGIN_ROOT}/templates/x.md .")).toBe(`cp $(${CURSOR_LAUNCH} --plugin-root)/templates/x.md .`);
  });

  it("registry-folder: registry paths name the Cursor project's folder; other .claude paths stay", () => {
    expect(registryFolderForCursor("Logs go to `.claude/mlops/experiments/` (e.g. `.claude/mlops/`); see .claude/mlops. Not .claude/mlops-old nor x.claude/mlops nor .claude/agents.")).toBe(
      "Logs go to `.cursor/mlops/experiments/` (e.g. `.cursor/mlops/`); see .cursor/mlops. Not .claude/mlops-old nor x.claude/mlops nor .claude/agents.",
    );
  });

  it("skill-per-command and agent-frontmatter: only name and description, then the Cursor body", () => {
    const skill = skillFromCommand("commands/registry.md", "registry", REGISTRY);
    expect(skill.startsWith("---\nname: registry\ndescription: Show registered models.\n---\n\n# /ml-automation:registry\n")).toBe(true);
    expect(skill).toBe(`---\nname: registry\ndescription: Show registered models.\n---\n\n${cursorCommand(REGISTRY)}`);
    const agent = cursorAgent("agents/dev.md", "dev", "---\nname: developer\ndescription: \"Writes code: tests too.\"\nmodel: sonnet\ncolor: cyan\ntools: Read, Bash\n---\n\nRun `ml-automation copy-runtime`.\n");
    expect(agent).toBe(`---\nname: developer\ndescription: "Writes code: tests too."\n---\n\nRun \`${CURSOR_LAUNCH} copy-runtime\`.\n`);
  });

  it("hooks and launcher: Cursor's format, camelCase events, its variable, no matchers; own handlers kept; nothing twice", () => {
    const claude = JSON.stringify({
      hooks: {
        PreToolUse: [{ matcher: "Write|Edit", hooks: [{ type: "command", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/guard.py"', timeout: 10 }] }],
        SubagentStop: [{ hooks: [{ type: "command", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/check.py"' }] }],
        Notification: [{ hooks: [{ type: "command", command: "notify.sh" }] }],
      },
    });
    const own = JSON.stringify({ version: 1, hooks: { afterFileEdit: [{ command: "./hooks/format.sh" }] } });
    const { text, dropped } = cursorHooks(claude, own);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      hooks: {
        sessionStart: [{ command: 'python3 "${CURSOR_PLUGIN_ROOT}/cursor/session_start.py"' }],
        preToolUse: [{ command: 'python3 "${CURSOR_PLUGIN_ROOT}/hooks/guard.py"' }],
        subagentStop: [{ command: 'python3 "${CURSOR_PLUGIN_ROOT}/hooks/check.py"' }],
        afterFileEdit: [{ command: "./hooks/format.sh" }],
      },
    });
    expect(dropped).toEqual(["Notification"]);
    expect(cursorHooks(claude, text).text).toBe(text);
  });

  it("keeps a CRLF source's line endings in what the rules add (frontmatter, steps)", () => {
    const crlf = REGISTRY.replace(/\n/g, "\r\n");
    for (const rendered of [cursorCommand(crlf), skillFromCommand("commands/registry.md", "registry", crlf), cursorAgent("agents/dev.md", "dev", "---\r\nname: dev\r\ndescription: Dev.\r\n---\r\n\r\nBody.\r\n")]) {
      expect(rendered).toContain("\r\n");
      expect(rendered.replace(/\r\n/g, "")).not.toContain("\n");
    }
    expect(cursorCommand(crlf)).toBe(cursorCommand(REGISTRY).replace(/\n/g, "\r\n"));
  });

  it("renders a plugin: a command, its skill, an agent, the hooks file and the launcher hook, and the manifest's paths", () => {
    const files: Record<string, string> = { "commands/registry.md": REGISTRY, "agents/dev.md": "---\nname: dev\ndescription: Dev.\n---\n\nBody.\n" };
    const rendered = renderCursor({ paths: Object.keys(files), text: (path) => files[path], origin: (path) => path }, "# launcher hook\n");
    expect([...rendered.files.keys()].sort()).toEqual(["cursor/agents/dev.md", "cursor/commands/registry.md", "cursor/hooks.json", "cursor/session_start.py", "cursor/skills/registry/SKILL.md"]);
    expect(rendered.manifest).toEqual([[["commands"], "cursor/commands/"], [["skills"], "cursor/skills/"], [["agents"], "cursor/agents/"], [["hooks"], "cursor/hooks.json"]]);
  });
});
