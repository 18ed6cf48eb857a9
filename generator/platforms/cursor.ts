/**
 * What Cursor reads, rendered from what Claude Code reads. One plugin folder is installed in both
 * editors: Claude Code reads agents/, commands/, bin/ and hooks/hooks.json; Cursor reads what its
 * manifest names, the files these rules write under cursor/. Each difference between the editors is
 * one named rule below (CURSOR_RULES), applied to the released files: the prose is never copied by
 * hand.
 */
import type { JSONPath } from "jsonc-parser";
import { stringify } from "yaml";
import { SourceError, SourceErrors } from "../errors.ts";
import { readFrontmatter } from "../frontmatter.ts";
import { lineEnding } from "../splice.ts";

/** Cursor's rule for skill (and plugin) names: lowercase letters and digits, inner hyphens and periods. */
export const CURSOR_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** The folder of the plugin holding what Cursor reads. */
export const CURSOR_FOLDER = "cursor";

/** How Cursor's model runs the plugin's runtime: the project's launcher, written by the session-start hook. */
export const CURSOR_LAUNCH = "python3 .cursor/ml_automation.py";

/** The session-start hook that writes the launcher (copied into cursor/ of the plugin). */
export const CURSOR_SESSION_START = `${CURSOR_FOLDER}/session_start.py`;

/** The rules, by name: what each changes and why (the README's table of editor differences). */
export const CURSOR_RULES = {
  "command-frontmatter": "Cursor reads no frontmatter in commands: the block is left out.",
  "shell-line": "Cursor runs no `!` line: it becomes a step telling the model to run the same program through the launcher (an editor command with --editor-args, so it does what it does in Claude Code: `repair` and `sync` as a dry run).",
  arguments: "Cursor substitutes no `$ARGUMENTS`: it becomes a reference to the arguments given with the command.",
  "plugin-program": `bin/ is on no PATH in Cursor: \`ml-automation ...\` becomes \`${CURSOR_LAUNCH} ...\`.`,
  "plugin-root": `\${CLAUDE_PLUGIN_ROOT} is not expanded in Cursor's prose: it becomes $(${CURSOR_LAUNCH} --plugin-root).`,
  "registry-folder": "A Cursor project's platform folder is .cursor (the launcher hook makes it): registry paths in the prose name `.cursor/mlops/`, not `.claude/mlops/`.",
  "skill-per-command": "Cursor's model picks skills, not commands: each command is also a skill (name, description, the same body).",
  "agent-frontmatter": "Cursor reads an agent's name and description: model, color and tools are left out.",
  hooks: "Cursor's hooks file: version 1, camelCase events, ${CURSOR_PLUGIN_ROOT}, no matchers (the plugin's hook scripts pick their tools).",
  launcher: `A sessionStart hook writes the launcher .cursor/ml_automation.py into the project (see ${CURSOR_SESSION_START}).`,
} as const;

/** Claude Code hook events and Cursor's names for them; other events have no Cursor counterpart. */
const HOOK_EVENTS: Record<string, string> = {
  PreToolUse: "preToolUse",
  PostToolUse: "postToolUse",
  SubagentStart: "subagentStart",
  SubagentStop: "subagentStop",
  SessionStart: "sessionStart",
  SessionEnd: "sessionEnd",
  Stop: "stop",
  UserPromptSubmit: "beforeSubmitPrompt",
  PreCompact: "preCompact",
};

const FRONTMATTER = /^---[ \t]*\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/;

/** Rule command-frontmatter: the text without its frontmatter block. */
export function dropFrontmatter(text: string): string {
  return text.replace(FRONTMATTER, "").replace(/^(?:[ \t]*\r?\n)+/, "");
}

/** A fenced code block at a line start (``` or ~~~, up to its closing fence or the end of the text). */
const FENCE = /^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^\1\2[ \t]*$|(?![\s\S]))/gm;

/**
 * Applies `outside` to the text between fenced code blocks and `inside` to each block (its fence lines
 * included); a block opened with ```! is Claude Code's fenced `!` form, not code, and counts as outside.
 */
function byFences(text: string, outside: (part: string) => string, inside: (block: string) => string): string {
  let result = "";
  let last = 0;
  for (const match of text.matchAll(FENCE)) {
    const at = match.index ?? 0;
    if (/^[ \t]*```!/.test(match[0])) continue;
    result += outside(text.slice(last, at)) + inside(match[0]);
    last = at + match[0].length;
  }
  return result + outside(text.slice(last));
}

/** Rule shell-line: each `!` line (inline or fenced ```!) becomes a step that runs the same program; examples in code blocks stay. */
export function shellLinesToSteps(text: string): string {
  const step = (command: string) => {
    const editor = /^ml-automation --editor (\S+) <<'!ARGS'\n\$ARGUMENTS\n!END\n!ARGS$/.exec(command.trim());
    if (editor) {
      return `Run \`${CURSOR_LAUNCH} --editor-args ${editor[1]}\` from the project root, followed by the arguments given with the command, each in single quotes (nothing else on the line), and read its output, errors included: that is the output this command refers to.`;
    }
    return `Run this from the project root and read its output, errors included (the output this command refers to):\n\n\`\`\`bash\n${command.trim()}\n\`\`\``;
  };
  const outside = (part: string) =>
    part.replace(/```!\s*\n([\s\S]*?)\n?```/g, (_all, command: string) => step(command)).replace(/(^|\s)!`([^`]+)`/gm, (_all, lead: string, command: string) => lead + step(command));
  return byFences(text, outside, (block) => block);
}

/** Rule arguments: `$ARGUMENTS` (and `$ARGUMENTS[N]`, `$N`) become a reference to the arguments given with the command. */
export function argumentsToText(text: string): string {
  const nth = (index: string) => `argument ${Number(index) + 1} given with the command`;
  return text
    .replace(/`\$ARGUMENTS\[(\d+)\]`|\$ARGUMENTS\[(\d+)\]/g, (_all, a: string | undefined, b: string | undefined) => nth(a ?? b ?? "0"))
    .replace(/`\$ARGUMENTS`/g, "the arguments given with the command")
    .replace(/\$ARGUMENTS\b/g, "the arguments given with the command")
    .replace(/`\$(\d)`|(?<![\w$])\$(\d)(?!\w)/g, (_all, a: string | undefined, b: string | undefined) => nth(String(Number(a ?? b) - 1)));
}

/**
 * Rule plugin-program: calls of the plugin's bin/ program go through the project's launcher: in inline
 * code, at the start of a list item, and inside code blocks at a line start or after `&&` or `;`.
 * Prose that names the plugin (a line that happens to start with "ml-automation") stays.
 */
export function pluginProgramToLauncher(text: string): string {
  const outside = (part: string) =>
    part.replace(/`ml-automation(?= )/g, `\`${CURSOR_LAUNCH}`).replace(/^([ \t]*(?:[-*+]|\d+[.)])[ \t]+)ml-automation(?= )/gm, (_all, lead: string) => `${lead}${CURSOR_LAUNCH}`);
  const inside = (block: string) => block.replace(/(^[ \t]*|&& |; )ml-automation(?= )/gm, (_all, lead: string) => `${lead}${CURSOR_LAUNCH}`);
  return byFences(text, outside, inside);
}

/** Rule plugin-root: `${CLAUDE_PLUGIN_ROOT}` becomes what the launcher prints. */
export function pluginRootToLauncher(text: string): string {
  return text.replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, `$(${CURSOR_LAUNCH} --plugin-root)`);
}

/** A Claude-only construct found in a text: which rule removes it, where it starts, and its text. */
export interface ClaudeOnly {
  ruleId: "cursor-shell-line" | "cursor-arguments" | "cursor-plugin-root" | "cursor-plugin-program";
  offset: number;
  text: string;
}

/**
 * Finds what only Claude Code acts on in `text`, where the rules above would change it: `!` lines
 * outside code blocks, `$ARGUMENTS`, `${CLAUDE_PLUGIN_ROOT}`, and calls of the plugin's bin/ program
 * (inline code, list items, lines of code blocks). verify runs it on what Cursor reads.
 */
export function findClaudeOnly(text: string): ClaudeOnly[] {
  const found: ClaudeOnly[] = [];
  const scan = (part: string, base: number, patterns: Array<[ClaudeOnly["ruleId"], RegExp]>) => {
    for (const [ruleId, pattern] of patterns) for (const match of part.matchAll(pattern)) found.push({ ruleId, offset: base + (match.index ?? 0), text: match[0].trim() });
  };
  const always: Array<[ClaudeOnly["ruleId"], RegExp]> = [
    ["cursor-arguments", /\$ARGUMENTS\b/g],
    ["cursor-plugin-root", /\$\{CLAUDE_PLUGIN_ROOT\}/g],
  ];
  let offset = 0;
  byFences(
    text,
    (part) => {
      scan(part, offset, [...always, ["cursor-shell-line", /(?:^|\s)!`[^`]+`|```!/gm], ["cursor-plugin-program", /`ml-automation (?=\S)|^[ \t]*(?:[-*+]|\d+[.)])[ \t]+ml-automation (?=\S)/gm]]);
      offset += part.length;
      return part;
    },
    (block) => {
      scan(block, offset, [...always, ["cursor-plugin-program", /(?:^[ \t]*|&& |; )ml-automation (?=\S)/gm]]);
      offset += block.length;
      return block;
    },
  );
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * Rule registry-folder: `.claude/mlops` becomes `.cursor/mlops`, the folder the runtime picks in a
 * project whose platform folder is `.cursor` (prose and code alike: both name where the files are).
 */
export function registryFolderForCursor(text: string): string {
  return text.replace(/(^|[^\w.])\.claude\/mlops(?![\w-])/g, "$1.cursor/mlops");
}

/** The body rules every Cursor document gets, in order. */
export function cursorBody(text: string): string {
  return registryFolderForCursor(pluginRootToLauncher(pluginProgramToLauncher(argumentsToText(shellLinesToSteps(text)))));
}

/** Frontmatter of `name` and `description` only, as Cursor reads it. */
function nameAndDescription(name: string, description: unknown): string {
  const data: Record<string, string> = { name };
  if (typeof description === "string" && description.trim()) data.description = description.trim();
  return `---\n${stringify(data, { lineWidth: 0 })}---\n\n`;
}

/**
 * Applies `render` to `source` with LF line breaks (the rules are written for them) and gives the
 * result the line breaks `source` uses, so a CRLF file renders like its LF twin, in CRLF throughout.
 */
function inLineEndingOf(source: string, render: (text: string) => string): string {
  const rendered = render(source.replace(/\r\n/g, "\n"));
  return lineEnding(source) === "\r\n" ? rendered.replace(/\n/g, "\r\n") : rendered;
}

/** Rules command-frontmatter and the body rules: a command as Cursor reads it. */
export function cursorCommand(text: string): string {
  return inLineEndingOf(text, (lf) => cursorBody(dropFrontmatter(lf)));
}

/** Rule skill-per-command: the skill Cursor's model picks for the command `name` (file `file`). */
export function skillFromCommand(file: string, name: string, text: string): string {
  return inLineEndingOf(text, (lf) => nameAndDescription(name, readFrontmatter(file, lf)?.data.description) + cursorBody(dropFrontmatter(lf)));
}

/** Rule agent-frontmatter: an agent as Cursor reads it. */
export function cursorAgent(file: string, name: string, text: string): string {
  return inLineEndingOf(text, (lf) => {
    const data = readFrontmatter(file, lf)?.data ?? {};
    return nameAndDescription(typeof data.name === "string" ? data.name : name, data.description) + cursorBody(dropFrontmatter(lf));
  });
}

/**
 * Claude Code hook scripts Cursor has no use for: plugin_options.py hands the plugin's options to
 * Claude Code's session environment file, which Cursor does not have.
 */
const CLAUDE_ONLY_HOOK_SCRIPTS = ["hooks/plugin_options.py"];

/** A Cursor hook handler. */
interface CursorHandler {
  command: string;
}

/**
 * Rules hooks and launcher: Cursor's hooks file from Claude Code's hooks.json (`claudeHooks`, may be
 * undefined) and the handlers of a Cursor hooks file the tree already had (`ownCursorHooks`), plus
 * the launcher's sessionStart handler. Returns the file's text and the Claude Code events it could not
 * carry over.
 */
export function cursorHooks(claudeHooks: string | undefined, ownCursorHooks: string | undefined): { text: string; dropped: string[] } {
  const events: Record<string, CursorHandler[]> = {};
  // One script named two ways (./hooks/x.sh in the tree's Cursor file, ${CLAUDE_PLUGIN_ROOT}/hooks/x.sh
  // in its Claude Code file) is one handler: the first form kept.
  const key = (command: string) => command.replace(/"?\$\{CURSOR_PLUGIN_ROOT\}\/?|"/g, "").replace(/(^|\s)\.\//g, "$1").trim();
  const add = (event: string, command: string) => {
    const list = (events[event] ??= []);
    if (!list.some((handler) => key(handler.command) === key(command))) list.push({ command });
  };
  add("sessionStart", `python3 "\${CURSOR_PLUGIN_ROOT}/${CURSOR_SESSION_START}"`);
  const dropped: string[] = [];
  const claude = claudeHooks ? ((JSON.parse(claudeHooks) as { hooks?: Record<string, unknown> }).hooks ?? {}) : {};
  for (const [event, groups] of Object.entries(claude)) {
    const cursorEvent = HOOK_EVENTS[event];
    if (!cursorEvent) {
      dropped.push(event);
      continue;
    }
    for (const group of Array.isArray(groups) ? groups : []) {
      for (const handler of (group as { hooks?: Array<{ type?: string; command?: unknown }> }).hooks ?? []) {
        if (handler.type !== "command" || typeof handler.command !== "string") continue;
        if (CLAUDE_ONLY_HOOK_SCRIPTS.some((script) => key(handler.command as string).includes(script))) continue;
        add(cursorEvent, handler.command.replace(/\$\{CLAUDE_PLUGIN_ROOT\}/g, "${CURSOR_PLUGIN_ROOT}"));
      }
    }
  }
  const own = ownCursorHooks ? ((JSON.parse(ownCursorHooks) as { hooks?: Record<string, unknown> }).hooks ?? {}) : {};
  for (const [event, handlers] of Object.entries(own)) {
    for (const handler of Array.isArray(handlers) ? handlers : []) {
      const command = (handler as { command?: unknown }).command;
      if (typeof command === "string") add(event, command);
    }
  }
  return { text: `${JSON.stringify({ version: 1, hooks: events }, null, 2)}\n`, dropped };
}

/** The plugin's released files, as the Cursor rendering reads them. */
export interface PluginFiles {
  /** Every path of the plugin. */
  paths: string[];
  /** The released text of a path, undefined when there is none. */
  text: (path: string) => string | undefined;
  /** Where a path came from, for messages. */
  origin: (path: string) => string;
}

/** What the Cursor rendering adds to the bundle: files (plugin paths), manifest fields to set, notes for the report. */
export interface CursorRendering {
  files: Map<string, string>;
  manifest: Array<[JSONPath, unknown]>;
  notes: string[];
}

/**
 * Renders what Cursor reads: cursor/commands/, cursor/skills/, cursor/agents/ and cursor/hooks.json
 * from the released plugin, the launcher hook `sessionStart` (its script's text is `sessionStart`),
 * and the Cursor manifest's component paths. `cursorHooksPath` is the hooks file the tree's own
 * Cursor manifest named, if any (its handlers are kept).
 */
export function renderCursor(plugin: PluginFiles, sessionStart: string, cursorHooksPath?: string): CursorRendering {
  // The Cursor hooks file the tree already had (its own, or one an earlier build rendered) keeps its
  // handlers: rendering again adds only what is missing, so a second build changes nothing.
  const files = new Map<string, string>();
  const manifest: Array<[JSONPath, unknown]> = [];
  const commands = plugin.paths.filter((candidate) => /^commands\/[^/]+\.md$/.test(candidate)).sort();
  // Each command becomes a Cursor skill named after its file: a name Cursor refuses is the file's problem.
  const unnamable = commands.filter((path) => !CURSOR_NAME.test(path.slice("commands/".length, -".md".length)));
  if (unnamable.length) {
    throw new SourceErrors(unnamable.map((path) => {
      const name = path.slice("commands/".length, -".md".length);
      const suggestion = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
      return new SourceError(plugin.origin(path), `the command is named "${name}" after its file, but Cursor takes each command as a skill and a skill's name must be lowercase letters and digits with inner '-' or '.'; rename the file${suggestion ? ` (e.g. ${suggestion}.md)` : ""}`, undefined, {
        ruleId: "command-name",
        actual: name,
      });
    }));
  }
  for (const path of commands) {
    const name = path.slice("commands/".length, -".md".length);
    const text = plugin.text(path) ?? "";
    files.set(`${CURSOR_FOLDER}/commands/${name}.md`, cursorCommand(text));
    files.set(`${CURSOR_FOLDER}/skills/${name}/SKILL.md`, skillFromCommand(plugin.origin(path), name, text));
  }
  for (const path of plugin.paths.filter((candidate) => /^agents\/[^/]+\.md$/.test(candidate)).sort()) {
    const name = path.slice("agents/".length, -".md".length);
    files.set(`${CURSOR_FOLDER}/agents/${name}.md`, cursorAgent(plugin.origin(path), name, plugin.text(path) ?? ""));
  }
  const hooks = cursorHooks(plugin.text("hooks/hooks.json"), cursorHooksPath ? plugin.text(cursorHooksPath) : undefined);
  files.set(`${CURSOR_FOLDER}/hooks.json`, hooks.text);
  files.set(CURSOR_SESSION_START, sessionStart);
  const has = (prefix: string) => [...files.keys()].some((path) => path.startsWith(prefix));
  if (has(`${CURSOR_FOLDER}/commands/`)) manifest.push([["commands"], `${CURSOR_FOLDER}/commands/`]);
  if (has(`${CURSOR_FOLDER}/skills/`)) manifest.push([["skills"], `${CURSOR_FOLDER}/skills/`]);
  if (has(`${CURSOR_FOLDER}/agents/`)) manifest.push([["agents"], `${CURSOR_FOLDER}/agents/`]);
  manifest.push([["hooks"], `${CURSOR_FOLDER}/hooks.json`]);
  const notes = hooks.dropped.length ? [`Claude Code hook events with no Cursor counterpart, not in ${CURSOR_FOLDER}/hooks.json: ${hooks.dropped.join(", ")}`] : [];
  return { files, manifest, notes };
}
