/**
 * What Cursor reads, as Cursor reads it: the commands, skills and agents its manifest names hold no
 * Claude-only construct (a `!` line, `$ARGUMENTS`, `${CLAUDE_PLUGIN_ROOT}`, the bin/ program Cursor
 * has on no PATH) and no frontmatter key Cursor does not read; its hooks file has Cursor's format.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { SourceError, pointOfOffset } from "../../generator/errors.ts";
import { readFrontmatter } from "../../generator/frontmatter.ts";
import { findClaudeOnly, type ClaudeOnly } from "../../generator/platforms/cursor.ts";
import type { JsonFile } from "../../generator/json-file.ts";
import { displayPath } from "../../generator/sources.ts";
import { KEBAB_NAME } from "./frontmatter-checks.ts";
import { pathsOf } from "./path-checks.ts";

/** Cursor's hook events (camelCase), as documented. */
export const CURSOR_HOOK_EVENTS = new Set([
  "sessionStart", "sessionEnd", "preToolUse", "postToolUse", "postToolUseFailure", "subagentStart", "subagentStop",
  "beforeShellExecution", "afterShellExecution", "beforeMCPExecution", "afterMCPExecution", "beforeReadFile", "afterFileEdit",
  "beforeSubmitPrompt", "preCompact", "stop", "afterAgentResponse", "afterAgentThought", "beforeTabFileRead", "afterTabFileEdit",
]);

/** What each kind of Claude-only construct is, for messages. */
const CLAUDE_ONLY: Record<ClaudeOnly["ruleId"], string> = {
  "cursor-shell-line": "a `!` line (Cursor runs none)",
  "cursor-arguments": "$ARGUMENTS (Cursor substitutes nothing)",
  "cursor-plugin-root": "${CLAUDE_PLUGIN_ROOT} (not expanded in Cursor's prose)",
  "cursor-plugin-program": "the plugin's bin/ program (on no PATH in Cursor)",
};

/** Frontmatter keys Cursor reads, by kind of file (commands: none). */
const FRONTMATTER_KEYS = { command: [] as string[], skill: ["name", "description", "disable-model-invocation"], agent: ["name", "description", "readonly"] };

function markdownFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? markdownFiles(path) : entry.name.endsWith(".md") ? [path] : [];
  });
}

/** Checks one markdown file Cursor reads as a `kind`. */
function checkDocument(path: string, pluginDir: string, kind: keyof typeof FRONTMATTER_KEYS): SourceError[] {
  const file = displayPath(path);
  const text = readFileSync(path, "utf8");
  const problems: SourceError[] = [];
  for (const found of findClaudeOnly(text)) {
    const lead = text.slice(found.offset).length - text.slice(found.offset).trimStart().length;
    const point = pointOfOffset(text, found.offset + lead);
    problems.push(new SourceError(file, `holds ${CLAUDE_ONLY[found.ruleId]}`, point.line, { column: point.column, ruleId: found.ruleId, actual: found.text }));
  }
  try {
    const frontmatter = readFrontmatter(file, text);
    const allowed = FRONTMATTER_KEYS[kind];
    for (const key of Object.keys(frontmatter?.data ?? {})) {
      if (!allowed.includes(key)) problems.push(new SourceError(file, `frontmatter key "${key}" is not one Cursor reads in ${kind}s (${allowed.join(", ") || "none"})`, frontmatter?.keyLines[key], { ruleId: "cursor-frontmatter", actual: key }));
    }
    if (kind === "skill") {
      const folder = relative(pluginDir, path).split(/[\\/]/).at(-2) ?? "";
      const name = frontmatter?.data.name;
      if (name !== folder || !KEBAB_NAME.test(folder)) problems.push(new SourceError(file, `skill name must be its folder's kebab-case name "${folder}", found ${JSON.stringify(name)}`, frontmatter?.keyLines.name ?? 1, { ruleId: "cursor-skill-name", actual: String(name) }));
      if (typeof frontmatter?.data.description !== "string") problems.push(new SourceError(file, "a skill needs a description (Cursor's model picks skills by it)", 1, { ruleId: "cursor-skill-description" }));
    }
  } catch (error) {
    if (error instanceof SourceError) problems.push(error);
    else throw error;
  }
  return problems;
}

/** Checks a Cursor hooks file: version 1, a hooks object of Cursor's events, each handler a command. */
function checkHooksFile(path: string): SourceError[] {
  const file = displayPath(path);
  let data: { version?: unknown; hooks?: unknown };
  try {
    data = JSON.parse(readFileSync(path, "utf8")) as typeof data;
  } catch (error) {
    return [new SourceError(file, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`, undefined, { ruleId: "cursor-hooks" })];
  }
  const problems: SourceError[] = [];
  if (data.version !== 1) problems.push(new SourceError(file, `"version" must be 1, found ${JSON.stringify(data.version)}`, undefined, { ruleId: "cursor-hooks", actual: String(data.version) }));
  const hooks = data.hooks;
  if (typeof hooks !== "object" || hooks === null || Array.isArray(hooks)) return [...problems, new SourceError(file, '"hooks" must be an object of events', undefined, { ruleId: "cursor-hooks" })];
  for (const [event, handlers] of Object.entries(hooks)) {
    if (!CURSOR_HOOK_EVENTS.has(event)) problems.push(new SourceError(file, `"${event}" is not a Cursor hook event`, undefined, { ruleId: "cursor-hooks", actual: event }));
    const list = Array.isArray(handlers) ? handlers : [];
    if (!Array.isArray(handlers) || list.some((handler) => typeof (handler as { command?: unknown })?.command !== "string")) {
      problems.push(new SourceError(file, `"${event}" must be a list of handlers, each with a "command"`, undefined, { ruleId: "cursor-hooks", actual: event }));
    }
    for (const handler of list) {
      const command = String((handler as { command?: unknown })?.command ?? "");
      if (/\$\{?CLAUDE_PLUGIN_ROOT\b/.test(command)) problems.push(new SourceError(file, `"${event}" runs ${command}: Cursor's variable is \${CURSOR_PLUGIN_ROOT}`, undefined, { ruleId: "cursor-hooks", actual: command }));
      const matcher = (handler as { matcher?: unknown })?.matcher;
      if (matcher !== undefined && typeof matcher !== "string") problems.push(new SourceError(file, `"${event}" has a matcher that is not a string: ${JSON.stringify(matcher)}`, undefined, { ruleId: "cursor-hooks", actual: JSON.stringify(matcher) }));
    }
  }
  return problems;
}

/** Checks every file the Cursor manifest points at; returns one SourceError per problem. */
export function checkCursorFiles(manifest: JsonFile, pluginDir: string): SourceError[] {
  const problems: SourceError[] = [];
  const kinds = { commands: "command", skills: "skill", agents: "agent" } as const;
  for (const [key, kind] of Object.entries(kinds)) {
    for (const path of pathsOf(manifest.data[key])) {
      const target = join(pluginDir, path);
      const files = existsSync(target) && statSync(target).isFile() ? [target] : markdownFiles(target);
      for (const file of files) {
        if (kind === "skill" && !file.endsWith("SKILL.md")) continue;
        problems.push(...checkDocument(file, pluginDir, kind));
      }
    }
  }
  for (const path of pathsOf(manifest.data.hooks)) {
    if (existsSync(join(pluginDir, path))) problems.push(...checkHooksFile(join(pluginDir, path)));
  }
  return problems;
}
