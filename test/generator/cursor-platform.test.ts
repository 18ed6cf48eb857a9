/** The named rules that render what Cursor reads from what Claude Code reads, one by one. */
import { describe, expect, it } from "vitest";
import {
  argumentsToText, CURSOR_LAUNCH, cursorAgent, cursorSkill, dropFrontmatter, pluginProgramToLauncher, pluginRootToLauncher, registryFolderForCursor,
  renderCursor, shellLinesToSteps, TYPED_ARGUMENTS, withLauncherRecovery, workflowNamesForCursor,
} from "../../generator/platforms/cursor.ts";
import { cursorHooks, cursorMatcher } from "../../generator/platforms/cursor-hooks.ts";

const REGISTRY = `---
name: registry
description: Show registered models.
argument-hint: "[models]"
allowed-tools: Bash(ml-automation:*)
disable-model-invocation: true
---

# /registry

!\`ml-automation --editor registry <<'!ARGS'
$ARGUMENTS
!END
!ARGS\`

Show the runtime's output. To rebuild: \`ml-automation registry repair --dry-run\`.
`;

describe("Cursor rules", () => {
  it("the frontmatter block is left out of the body, which starts at its first line", () => {
    expect(dropFrontmatter(REGISTRY).startsWith("# /registry\n")).toBe(true);
    expect(dropFrontmatter("# No frontmatter\n")).toBe("# No frontmatter\n");
  });

  it("shell-line: the editor form becomes a step running the same command through the launcher, the arguments in a quoted here-document; any other `!` line a step too", () => {
    const step = shellLinesToSteps(REGISTRY);
    expect(step).toContain(`\`\`\`bash\n${CURSOR_LAUNCH} --editor registry <<'!ARGS'\n${TYPED_ARGUMENTS}\n!END\n!ARGS\n\`\`\``);
    expect(step).toContain("replaced by the arguments given with the command exactly as they were typed (the launcher reads and splits them; the shell runs none of them)");
    expect(step).not.toMatch(/!`|\$ARGUMENTS/);
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

  it("workflow-names: a namespaced workflow becomes the name Cursor reaches; paths and other plugins stay", () => {
    expect(workflowNamesForCursor("Use `/ml-automation:status`, then /ml-automation:registry; not src/ml-automation:x nor /other:status.", "ml-automation")).toBe(
      "Use `/status`, then /registry; not src/ml-automation:x nor /other:status.",
    );
  });

  it("launcher-missing: a body that runs the launcher ends with how to write it; another is left as it is", () => {
    const recovered = withLauncherRecovery(`Run \`${CURSOR_LAUNCH} copy-runtime\`.\n`, "ml-automation");
    expect(recovered).toMatch(/\*\*If `\.cursor\/ml_automation\.py` is missing\*\*/);
    expect(recovered).toContain(`python3 "$(find ~/.cursor -path '*ml-automation*/cursor/session_start.py' 2>/dev/null | head -n 1)" < /dev/null`);
    expect(recovered).toContain("ask the person to start a new chat");
    expect(withLauncherRecovery("No runtime here.\n", "ml-automation")).toBe("No runtime here.\n");
  });

  it("plugin-root: ${CLAUDE_PLUGIN_ROOT} becomes what the launcher prints", () => {
    expect(pluginRootToLauncher("cp ${CLAUDE_PLUGIN_ROOT}/templates/x.md .")).toBe(`cp $(${CURSOR_LAUNCH} --plugin-root)/templates/x.md .`);
  });

  it("registry-folder: registry paths name the Cursor project's folder; other .claude paths stay", () => {
    expect(registryFolderForCursor("Logs go to `.claude/mlops/experiments/` (e.g. `.claude/mlops/`); see .claude/mlops. Not .claude/mlops-old nor x.claude/mlops nor .claude/agents.")).toBe(
      "Logs go to `.cursor/mlops/experiments/` (e.g. `.cursor/mlops/`); see .cursor/mlops. Not .claude/mlops-old nor x.claude/mlops nor .claude/agents.",
    );
  });

  it("skill-frontmatter and agent-frontmatter: name, description, and what Cursor can express (person-only, read-only), then the Cursor body", () => {
    const skill = cursorSkill("skills/registry/SKILL.md", "registry", REGISTRY, "ml-automation");
    expect(skill.startsWith("---\nname: registry\ndescription: Show registered models.\ndisable-model-invocation: true\n---\n\n# /registry\n")).toBe(true);
    expect(skill).toContain("**If `.cursor/ml_automation.py` is missing**");
    const step = cursorSkill("skills/eda/SKILL.md", "eda", "---\nname: eda\ndescription: Use to profile data.\nallowed-tools: Read\n---\n\n# /eda\n\nProfile `$ARGUMENTS`.\n", "ml-automation");
    expect(step).toBe("---\nname: eda\ndescription: Use to profile data.\n---\n\n# /eda\n\nProfile the arguments given with the command.\n");
    const writer = cursorAgent("agents/dev.md", "dev", "---\nname: developer\ndescription: \"Writes code: tests too.\"\nmodel: sonnet\ncolor: cyan\ntools: Read, Write, Bash\n---\n\nRun `ml-automation copy-runtime`.\n", "ml-automation");
    expect(writer.startsWith(`---\nname: developer\ndescription: "Writes code: tests too."\n---\n\nRun \`${CURSOR_LAUNCH} copy-runtime\`.\n`)).toBe(true);
    const reviewer = cursorAgent("agents/review.md", "review", "---\nname: review\ndescription: Reviews.\ntools: Read, Bash(pytest:*), Glob, Grep\n---\n\nReview.\n", "ml-automation");
    expect(reviewer).toBe("---\nname: review\ndescription: Reviews.\nreadonly: true\n---\n\nReview.\n");
    // An agent with no tools list has every tool: not read-only.
    expect(cursorAgent("agents/o.md", "o", "---\nname: o\ndescription: Plans.\n---\n\nPlan.\n", "ml-automation")).not.toContain("readonly");
  });

  it("hooks and launcher: Cursor's format, camelCase events, matchers with Cursor's tool names, its variable for every plugin-root form; own handlers kept whole; nothing twice", () => {
    const claude = JSON.stringify({
      hooks: {
        PreToolUse: [
          { matcher: "Write|Edit|MultiEdit", hooks: [{ type: "command", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/guard.py"', timeout: 10 }] },
          { matcher: "Bash", hooks: [{ type: "command", command: "$CLAUDE_PLUGIN_ROOT/hooks/pre-commit.sh" }] },
          { matcher: "WebFetch", hooks: [{ type: "command", command: "${CLAUDE_PLUGIN_ROOT}/hooks/fetch.sh" }] },
        ],
        SubagentStop: [{ matcher: "ml-automation:developer", hooks: [{ type: "command", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/check.py"' }, { type: "prompt", prompt: "Check it." }] }],
        SessionStart: [{ matcher: "startup", hooks: [{ type: "command", command: "${CLAUDE_PLUGIN_ROOT}/hooks/start.sh" }] }],
        Notification: [{ hooks: [{ type: "command", command: "notify.sh" }] }],
      },
    });
    const own = JSON.stringify({
      version: 1,
      hooks: {
        afterFileEdit: [{ command: "./hooks/format.sh", timeout: 5 }],
        beforeShellExecution: [{ command: "${CLAUDE_PLUGIN_ROOT}/hooks/pre-deploy.sh", matcher: "docker-compose up" }],
        preToolUse: [{ command: "${CLAUDE_PLUGIN_ROOT}/hooks/pre-commit.sh", matcher: "Shell" }],
      },
    });
    const files = new Set(["hooks/format.sh", "hooks/start.sh"]);
    const { text, notes } = cursorHooks({ launcher: 'python3 "${CURSOR_PLUGIN_ROOT}/cursor/session_start.py"', claude, own, isPluginFile: (path) => files.has(path), plugin: "ml-automation" });
    expect(JSON.parse(text)).toEqual({
      version: 1,
      hooks: {
        sessionStart: [{ command: 'python3 "${CURSOR_PLUGIN_ROOT}/cursor/session_start.py"' }, { command: "${CURSOR_PLUGIN_ROOT}/hooks/start.sh" }],
        afterFileEdit: [{ command: '"${CURSOR_PLUGIN_ROOT}/hooks/format.sh"', timeout: 5 }],
        beforeShellExecution: [{ command: "${CURSOR_PLUGIN_ROOT}/hooks/pre-deploy.sh", matcher: "docker-compose up" }],
        preToolUse: [
          // The tree's own handler and the translated Claude Code one are the same: listed once.
          { command: "${CURSOR_PLUGIN_ROOT}/hooks/pre-commit.sh", matcher: "Shell" },
          { command: 'python3 "${CURSOR_PLUGIN_ROOT}/hooks/guard.py"', matcher: "Write", timeout: 10 },
        ],
        subagentStop: [{ command: 'python3 "${CURSOR_PLUGIN_ROOT}/hooks/check.py"', matcher: "developer" }],
      },
    });
    expect(text).not.toMatch(/CLAUDE_PLUGIN_ROOT/);
    expect(notes).toEqual([
      "Claude Code hook events with no Cursor counterpart, not carried: Notification",
      "Claude Code hook handlers not carried: PreToolUse ${CLAUDE_PLUGIN_ROOT}/hooks/fetch.sh (its matcher WebFetch names no tool Cursor has); SubagentStop prompt handler (Cursor runs commands only)",
    ]);
    // Rendered again from its own output (a bundle as the sources), the file is the same.
    expect(cursorHooks({ launcher: 'python3 "${CURSOR_PLUGIN_ROOT}/cursor/session_start.py"', claude, own: text, isPluginFile: (path) => files.has(path), plugin: "ml-automation" }).text).toBe(text);
  });

  it("hooks: matchers for every call stay off, a pattern that is not a list of names is kept", () => {
    expect(cursorMatcher("*", "preToolUse")).toBeUndefined();
    expect(cursorMatcher("", "preToolUse")).toBeUndefined();
    expect(cursorMatcher("Edit|Write", "postToolUse")).toBe("Write");
    expect(cursorMatcher("Read|Grep|Glob", "preToolUse")).toBe("Read|Grep");
    expect(cursorMatcher("Glob|LS", "preToolUse")).toBeNull();
    expect(cursorMatcher("Notebook.*", "preToolUse")).toBe("Notebook.*");
  });

  it("keeps a CRLF source's line endings in what the rules add (frontmatter, steps, the recovery)", () => {
    const crlf = REGISTRY.replace(/\n/g, "\r\n");
    for (const rendered of [cursorSkill("skills/registry/SKILL.md", "registry", crlf, "ml-automation"), cursorAgent("agents/dev.md", "dev", "---\r\nname: dev\r\ndescription: Dev.\r\n---\r\n\r\nBody.\r\n", "ml-automation")]) {
      expect(rendered).toContain("\r\n");
      expect(rendered.replace(/\r\n/g, "")).not.toContain("\n");
    }
    expect(cursorSkill("skills/registry/SKILL.md", "registry", crlf, "ml-automation")).toBe(cursorSkill("skills/registry/SKILL.md", "registry", REGISTRY, "ml-automation").replace(/\n/g, "\r\n"));
  });

  it("renders a plugin: one Cursor skill per skill, an agent, the hooks file and the launcher hook; the manifest's paths, commands removed", () => {
    const files: Record<string, string> = { "skills/registry/SKILL.md": REGISTRY, "skills/registry/references/views.md": "# Views\n", "agents/dev.md": "---\nname: dev\ndescription: Dev.\n---\n\nBody.\n", "commands/sub/x.md": "---\ndescription: X.\n---\n" };
    const bytes = (path: string) => (files[path] === undefined ? undefined : Buffer.from(files[path]!));
    const rendered = renderCursor({ paths: Object.keys(files), text: (path) => files[path], origin: (path) => path, bytes }, "# launcher hook\n", undefined, "ml-automation");
    expect([...rendered.files.keys()].sort()).toEqual(["cursor/agents/dev.md", "cursor/hooks.json", "cursor/session_start.py", "cursor/skills/registry/SKILL.md", "cursor/skills/registry/references/views.md"]);
    // A skill's other files go with it, byte for byte.
    expect(rendered.files.get("cursor/skills/registry/references/views.md")).toEqual(Buffer.from("# Views\n"));
    expect(rendered.manifest).toEqual([[["commands"], undefined], [["skills"], "cursor/skills/"], [["agents"], "cursor/agents/"], [["hooks"], "cursor/hooks.json"]]);
    expect(rendered.notes).toEqual(["Commands in subfolders, not carried to Cursor (it reads each workflow as a skill): commands/sub/x.md"]);
  });
});
