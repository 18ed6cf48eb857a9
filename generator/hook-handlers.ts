/**
 * Hook handlers a release adds to the plugin's Claude Code hooks file (hooks/hooks.json): each goes
 * into the file by a jsonc-parser edit, so every other byte (and every handler of the tree's own)
 * stays; a handler whose command is already there is left as it is, so applying a release twice
 * changes nothing.
 */
import { findNodeAtLocation, parseTree, type ParseError } from "jsonc-parser";
import { SourceError, pointOfOffset } from "./errors.ts";
import { insertJson } from "./json-file.ts";
import type { HookHandler } from "./release.ts";

/** Where a plugin keeps its Claude Code hooks (read by Claude Code without a manifest entry). */
export const HOOKS_FILE = "hooks/hooks.json";

/**
 * The hook events every supported Claude Code client knows (those of the oldest supported, 2.1.328;
 * the current one adds PreSkillShellCommand): a handler on any other event is ignored at run time,
 * so a release may not add one. test/claude-cli.test.ts checks the list against each client.
 */
export const CLAUDE_CODE_HOOK_EVENTS = [
  "PreToolUse", "PostToolUse", "PostToolUseFailure", "PostToolBatch", "Notification", "UserPromptSubmit", "UserPromptExpansion",
  "SessionStart", "SessionEnd", "Stop", "StopFailure", "SubagentStart", "SubagentStop", "PreCompact", "PostCompact",
  "PreModelSwitch", "PostModelSwitch", "PermissionRequest", "PermissionDenied", "Setup", "TeammateIdle", "TaskCreated",
  "TaskCompleted", "Elicitation", "ElicitationResult", "ConfigChange", "WorktreeCreate", "WorktreeRemove", "InstructionsLoaded",
  "CwdChanged", "FileChanged", "DirectoryAdded", "MessageDisplay",
] as const;

/** A new hooks file: the skeleton handlers are added to. */
const EMPTY = '{\n  "hooks": {}\n}\n';

/** What adding the handlers did: the new text, and for each handler whether it was added. */
export interface HookEdit {
  text: string;
  added: boolean[];
}

/** A command handler as registered in a hooks file: its group's matcher, its `if` and its command. */
interface Registered {
  matcher: string | undefined;
  if: string | undefined;
  command: string;
}

/** Every command handler registered for `event` in the parsed hooks file (none when it is not one). */
function handlersOf(data: unknown, event: string): Registered[] {
  const groups = (data as { hooks?: Record<string, unknown> } | null)?.hooks?.[event];
  if (!Array.isArray(groups)) return [];
  return groups.flatMap((group) => {
    const { matcher, hooks } = (group ?? {}) as { matcher?: unknown; hooks?: unknown };
    if (!Array.isArray(hooks)) return [];
    return (hooks as Array<{ command?: unknown; if?: unknown }>)
      .filter((handler) => typeof handler?.command === "string")
      .map((handler) => ({ matcher: typeof matcher === "string" ? matcher : undefined, if: typeof handler.if === "string" ? handler.if : undefined, command: handler.command as string }));
  });
}

/** The commands of every handler registered for `event` in the parsed hooks file (none when it is not one). */
export function commandsOf(data: unknown, event: string): string[] {
  return handlersOf(data, event).map((handler) => handler.command);
}

/** True when the parsed hooks file already runs `handler` (same event, matcher, `if` and command). */
export function registers(data: unknown, handler: HookHandler): boolean {
  return handlersOf(data, handler.event).some((known) => known.command === handler.command && known.matcher === handler.matcher && known.if === handler.if);
}

/**
 * Adds `handlers` to the hooks file `text` (named `file` in messages; undefined when the tree has no
 * hooks file, which is then created). Throws SourceError `hooks-json` (line and column) when the file
 * is not JSON, or its `hooks` or an event's entry is not what Claude Code reads.
 */
export function addHookHandlers(file: string, text: string | undefined, handlers: HookHandler[]): HookEdit {
  let result = text ?? EMPTY;
  const errors: ParseError[] = [];
  const tree = parseTree(result, errors, { allowTrailingComma: false, disallowComments: true });
  const [first] = errors;
  if (first || !tree || tree.type !== "object") {
    const point = pointOfOffset(result, first?.offset ?? 0);
    throw new SourceError(file, first ? "not valid JSON" : "expected a JSON object with a \"hooks\" object", point.line, { column: point.column, ruleId: "hooks-json" });
  }
  const hooks = findNodeAtLocation(tree, ["hooks"]);
  if (hooks && hooks.type !== "object") {
    const point = pointOfOffset(result, hooks.offset);
    throw new SourceError(file, "\"hooks\" must be an object of events", point.line, { column: point.column, ruleId: "hooks-json", actual: hooks.type });
  }
  const added = handlers.map((handler) => {
    if (registers(JSON.parse(result), handler)) return false;
    const root = parseTree(result);
    const events = root && findNodeAtLocation(root, ["hooks"]);
    const current = events && findNodeAtLocation(events, [handler.event]);
    if (current && current.type !== "array") {
      const point = pointOfOffset(result, current.offset);
      throw new SourceError(file, `"hooks.${handler.event}" must be a list of handler groups`, point.line, { column: point.column, ruleId: "hooks-json", actual: current.type });
    }
    const group = {
      ...(handler.matcher ? { matcher: handler.matcher } : {}),
      hooks: [{ type: "command", ...(handler.if ? { if: handler.if } : {}), command: handler.command, ...(handler.timeout ? { timeout: handler.timeout } : {}) }],
    };
    result = current
      ? insertJson(result, ["hooks", handler.event, -1], group, true)
      : events
        ? insertJson(result, ["hooks", handler.event], [group])
        : insertJson(result, ["hooks"], { [handler.event]: [group] });
    return true;
  });
  return { text: result, added };
}
