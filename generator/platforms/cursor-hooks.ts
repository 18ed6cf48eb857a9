/**
 * Rule hooks: Cursor's hooks file (`"version": 1`, camelCase events) made from the plugin's Claude Code
 * hooks.json and the Cursor hooks file the tree already had, kept whole: each handler keeps its matcher
 * (Claude Code's tool names given Cursor's), its timeout and, for the tree's own Cursor handlers, every
 * other key; every plugin-root variable becomes `${CURSOR_PLUGIN_ROOT}` and every script path relative
 * to the plugin an absolute one (Cursor runs hooks in the project); a handler is dropped only when,
 * so translated, it is one already there.
 */

/** Claude Code hook events and Cursor's names for them; other events have no Cursor counterpart. */
export const HOOK_EVENTS: Record<string, string> = {
  PreToolUse: "preToolUse",
  PostToolUse: "postToolUse",
  PostToolUseFailure: "postToolUseFailure",
  SubagentStart: "subagentStart",
  SubagentStop: "subagentStop",
  SessionStart: "sessionStart",
  SessionEnd: "sessionEnd",
  Stop: "stop",
  UserPromptSubmit: "beforeSubmitPrompt",
  PreCompact: "preCompact",
};

/**
 * Claude Code hook scripts Cursor has no use for, not carried: plugin_options.py hands the plugin's
 * options to Claude Code's session environment file, which Cursor does not have.
 */
const CLAUDE_ONLY_HOOK_SCRIPTS = ["hooks/plugin_options.py"];

/** Cursor events whose matcher names tools (the others with one name subagents). */
const TOOL_EVENTS = new Set(["preToolUse", "postToolUse", "postToolUseFailure"]);
const SUBAGENT_EVENTS = new Set(["subagentStart", "subagentStop"]);

/** Claude Code's tool names in a matcher and Cursor's tool types; null: Cursor has no such tool. */
export const TOOL_NAMES: Record<string, string | null> = {
  Bash: "Shell",
  Read: "Read",
  NotebookRead: "Read",
  Write: "Write",
  Edit: "Write",
  MultiEdit: "Write",
  NotebookEdit: "Write",
  Grep: "Grep",
  Task: "Task",
  Agent: "Task",
  Glob: null,
  LS: null,
  WebFetch: null,
  WebSearch: null,
  TodoWrite: null,
  Skill: null,
  ExitPlanMode: null,
};

/** Cursor's variable for the plugin folder in hook commands. */
export const CURSOR_ROOT = "${CURSOR_PLUGIN_ROOT}";

/** A Cursor hook handler: the command, and the matcher, timeout or other keys it was given. */
export type CursorHandler = { command: string } & Record<string, unknown>;

/** What goes into the hooks file: the launcher's handler, the plugin's, and how to read its own paths. */
export interface CursorHooksInput {
  /** The sessionStart handler that writes the launcher (first in the file). */
  launcher: string;
  /** The plugin's Claude Code hooks.json, if any. */
  claude?: string;
  /** The Cursor hooks file the tree already had (its own, or one an earlier build wrote), if any. */
  own?: string;
  /** True for a file of the plugin (a script a handler names relative to the plugin folder). */
  isPluginFile: (path: string) => boolean;
  /** The plugin's name: Claude Code names its agents `NAME:agent` in subagent matchers, Cursor `agent`. */
  plugin?: string;
}

/** Rule hooks: plugin-root variables of Claude Code (`${CLAUDE_PLUGIN_ROOT}`, `$CLAUDE_PLUGIN_ROOT`) become Cursor's. */
export function cursorRootVariable(command: string): string {
  return command.replace(/\$\{CLAUDE_PLUGIN_ROOT\}|\$CLAUDE_PLUGIN_ROOT(?!\w)/g, CURSOR_ROOT);
}

/** Rule hooks: a script named relative to the plugin folder (`./hooks/x.sh`, `hooks/x.py`) is named from `${CURSOR_PLUGIN_ROOT}`. */
export function absolutePluginPaths(command: string, isPluginFile: (path: string) => boolean): string {
  return command.replace(/(^|\s)(["']?)(\.\/)?([\w.-]+(?:\/[\w.-]+)+)\2(?=\s|;|&|\||$)/g, (whole, lead: string, _quote: string, dot: string | undefined, path: string) =>
    (dot || !path.startsWith(".")) && isPluginFile(path) ? `${lead}"${CURSOR_ROOT}/${path}"` : whole,
  );
}

/**
 * Rule hooks: a Claude Code matcher for a Cursor event. Tool names become Cursor's (a name Cursor has
 * no tool for is left out; null when none is left: the handler would never run); agent names lose the
 * plugin's prefix; `*` and an empty matcher mean every call (undefined). A pattern that is not a list
 * of names is kept as written.
 */
export function cursorMatcher(matcher: unknown, event: string, plugin?: string): string | null | undefined {
  if (typeof matcher !== "string" || matcher.trim() === "" || matcher.trim() === "*") return undefined;
  const names = matcher.split("|").map((name) => name.trim());
  if (!names.every((name) => /^[\w.:-]+$/.test(name))) return matcher;
  if (TOOL_EVENTS.has(event)) {
    const mapped = names.map((name) => (name in TOOL_NAMES ? TOOL_NAMES[name] : name)).filter((name): name is string => name !== null);
    return mapped.length ? [...new Set(mapped)].join("|") : null;
  }
  if (SUBAGENT_EVENTS.has(event) && plugin) return [...new Set(names.map((name) => name.replace(new RegExp(`^${plugin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`), "")))].join("|");
  return matcher;
}

/** The identity of a handler: its event, command (quotes and spacing aside) and matcher. */
function identity(event: string, handler: CursorHandler): string {
  const command = handler.command.replace(/["']/g, "").replace(/\s+/g, " ").trim();
  return `${event}\u0000${command}\u0000${typeof handler.matcher === "string" ? handler.matcher : "*"}`;
}

function parseHooks(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  const hooks = (JSON.parse(text) as { hooks?: unknown }).hooks;
  return typeof hooks === "object" && hooks !== null && !Array.isArray(hooks) ? (hooks as Record<string, unknown>) : {};
}

/**
 * Rules hooks and launcher: Cursor's hooks file, and notes for the build report on what Cursor has no
 * counterpart for. Order: the launcher, the tree's own Cursor handlers (written for Cursor), then
 * the Claude Code handlers translated; a handler identical to one already there is left out.
 */
export function cursorHooks(input: CursorHooksInput): { text: string; notes: string[] } {
  const events: Record<string, CursorHandler[]> = {};
  const seen = new Set<string>();
  const notes: string[] = [];
  const add = (event: string, handler: CursorHandler) => {
    const key = identity(event, handler);
    if (seen.has(key)) return;
    seen.add(key);
    (events[event] ??= []).push(handler);
  };
  const translate = (command: string) => absolutePluginPaths(cursorRootVariable(command), input.isPluginFile);
  add("sessionStart", { command: input.launcher });
  for (const [event, handlers] of Object.entries(parseHooks(input.own))) {
    for (const handler of Array.isArray(handlers) ? handlers : []) {
      const entry = handler as Record<string, unknown>;
      if (typeof entry.command === "string") add(event, { ...entry, command: translate(entry.command) });
    }
  }
  const unmatched: string[] = [];
  const dropped = new Set<string>();
  for (const [event, groups] of Object.entries(parseHooks(input.claude))) {
    const cursorEvent = HOOK_EVENTS[event];
    if (!cursorEvent) {
      dropped.add(event);
      continue;
    }
    for (const group of Array.isArray(groups) ? (groups as Array<{ matcher?: unknown; hooks?: unknown }>) : []) {
      const matcher = cursorMatcher(group.matcher, cursorEvent, input.plugin);
      const keepsMatcher = TOOL_EVENTS.has(cursorEvent) || SUBAGENT_EVENTS.has(cursorEvent);
      for (const handler of Array.isArray(group.hooks) ? (group.hooks as Array<Record<string, unknown>>) : []) {
        if (handler.type !== "command" || typeof handler.command !== "string") {
          unmatched.push(`${event} ${String(handler.type)} handler (Cursor runs commands only)`);
          continue;
        }
        if (CLAUDE_ONLY_HOOK_SCRIPTS.some((script) => (handler.command as string).includes(script))) continue;
        if (matcher === null) {
          unmatched.push(`${event} ${handler.command} (its matcher ${String(group.matcher)} names no tool Cursor has)`);
          continue;
        }
        add(cursorEvent, {
          command: translate(handler.command),
          ...(keepsMatcher && matcher ? { matcher } : {}),
          ...(typeof handler.timeout === "number" ? { timeout: handler.timeout } : {}),
        });
      }
    }
  }
  if (dropped.size) notes.push(`Claude Code hook events with no Cursor counterpart, not carried: ${[...dropped].join(", ")}`);
  if (unmatched.length) notes.push(`Claude Code hook handlers not carried: ${unmatched.join("; ")}`);
  const data = [...Object.values(events)].flat().map((handler) => handler.command).filter((command) => /\$\{?CLAUDE_PLUGIN_DATA\b/.test(command));
  if (data.length) notes.push(`Cursor sets no \${CLAUDE_PLUGIN_DATA}, which these hooks use: ${data.join("; ")}`);
  return { text: `${JSON.stringify({ version: 1, hooks: events }, null, 2)}\n`, notes };
}
