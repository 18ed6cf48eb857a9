/**
 * What Cursor reads, rendered from what Claude Code reads. One plugin folder is installed in both
 * editors: Claude Code reads agents/, skills/ (one per workflow), bin/ and hooks/hooks.json; Cursor
 * reads what its manifest names, the files these rules write under cursor/. Each difference between
 * the editors is one named rule below (CURSOR_RULES; the hooks rule in cursor-hooks.ts), applied to
 * the bundle's files: the prose is never copied by hand.
 */
import type { JSONPath } from "jsonc-parser";
import { stringify } from "yaml";
import { readFrontmatter } from "../frontmatter.ts";
import { HOOKS_FILE } from "../hook-handlers.ts";
import { lineEnding } from "../splice.ts";
import { SKILL_NAME } from "../workflow-skills.ts";
import { cursorHooks } from "./cursor-hooks.ts";

/** Cursor's rule for skill (and plugin) names: lowercase letters and digits, inner hyphens and periods. */
export const CURSOR_NAME = SKILL_NAME;

/** The folder of the plugin holding what Cursor reads. */
export const CURSOR_FOLDER = "cursor";

/** How Cursor's model runs the plugin's runtime: the project's launcher, written by the session-start hook. */
export const CURSOR_LAUNCH = "python3 .cursor/ml_automation.py";

/** The session-start hook that writes the launcher (copied into cursor/ of the plugin). */
export const CURSOR_SESSION_START = `${CURSOR_FOLDER}/session_start.py`;

/** How the model recovers when the launcher is missing (its plugin's name is PLUGIN). */
function launcherMissing(plugin: string): string {
  return `**If \`.cursor/ml_automation.py\` is missing** (the plugin was installed during this session, or its session-start hook failed), write it with the plugin's own hook script, from the project root, then go on:

\`\`\`bash
python3 "$(find ~/.cursor -path '*${plugin}*/${CURSOR_SESSION_START}' 2>/dev/null | head -n 1)" < /dev/null
\`\`\`

If that finds no script, ask the person to start a new chat (the plugin writes the launcher at every session start) and stop.`;
}

/** The line of the editor form's here-document that the model replaces with the arguments, as typed. */
export const TYPED_ARGUMENTS = "<the arguments given with the command, exactly as typed; an empty line for none>";

/** The rules, by name: what each changes and why (the README's table of editor differences). */
export const CURSOR_RULES = {
  "skill-per-workflow": "Cursor reads skills natively: each of the bundle's skills (one per workflow) becomes one Cursor skill; there are no Cursor commands of the same names.",
  "skill-frontmatter": "A Cursor skill's frontmatter is its name, its description and disable-model-invocation (for a person-only workflow); argument-hint and allowed-tools are Claude Code's.",
  "shell-line": "Cursor runs no `!` line: it becomes a step telling the model to run the same program through the launcher; the editor form keeps the arguments in a quoted here-document, so the launcher splits them and the shell runs none of them (`repair` and `sync` stay dry runs).",
  arguments: "Cursor substitutes no `$ARGUMENTS`: it becomes a reference to the arguments given with the command.",
  "plugin-program": `bin/ is on no PATH in Cursor: \`ml-automation ...\` becomes \`${CURSOR_LAUNCH} ...\`.`,
  "plugin-root": `\${CLAUDE_PLUGIN_ROOT} is not expanded in Cursor's prose: it becomes $(${CURSOR_LAUNCH} --plugin-root).`,
  "registry-folder": "A Cursor project's platform folder is .cursor (the launcher hook makes it): registry paths in the prose name `.cursor/mlops/`, not `.claude/mlops/`.",
  "workflow-names": "Cursor reaches a plugin's skill as /NAME: `/PLUGIN:NAME` in the prose becomes `/NAME`.",
  "launcher-missing": "A skill or agent that runs the launcher says how to write it when it is missing (plugin installed mid-session, hook failed).",
  "agent-frontmatter": "Cursor reads an agent's name and description, and `readonly: true` for an agent whose tools write no file (no Write, Edit, MultiEdit or NotebookEdit): model, color and the tool list are left out.",
  hooks: "Cursor's hooks file: version 1, camelCase events, matchers kept with Cursor's tool names, ${CURSOR_PLUGIN_ROOT} for every plugin-root variable and every plugin-relative script, the tree's own Cursor handlers merged in, a handler identical after translation once.",
  launcher: `A sessionStart hook writes the launcher .cursor/ml_automation.py into the project (see ${CURSOR_SESSION_START}).`,
} as const;

/** Claude Code's tools that write files: an agent without any of them is read-only in Cursor. */
const WRITING_TOOLS = new Set(["Write", "Edit", "MultiEdit", "NotebookEdit"]);

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
      return `Run this from the project root, with its middle line replaced by the arguments given with the command exactly as they were typed (the launcher reads and splits them; the shell runs none of them), and read its output, errors included: that is the output this command refers to.\n\n\`\`\`bash\n${CURSOR_LAUNCH} --editor ${editor[1]} <<'!ARGS'\n${TYPED_ARGUMENTS}\n!END\n!ARGS\n\`\`\``;
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

/** Frontmatter as Cursor reads it: name, description, and the keys of `extra` that are set. */
function cursorFrontmatter(name: string, description: unknown, extra: Record<string, true | undefined> = {}): string {
  const data: Record<string, unknown> = { name };
  if (typeof description === "string" && description.trim()) data.description = description.trim();
  for (const [key, value] of Object.entries(extra)) if (value) data[key] = value;
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

/** Rule workflow-names: `/PLUGIN:NAME` becomes `/NAME`, as Cursor reaches a plugin's skill. */
export function workflowNamesForCursor(text: string, plugin: string): string {
  return text.replace(new RegExp(`(?<![\\w/:.-])/${plugin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(?=[a-z0-9])`, "g"), "/");
}

/** Rule launcher-missing: a body that runs the launcher ends with how to write it when it is missing. */
export function withLauncherRecovery(body: string, plugin: string): string {
  return body.includes(CURSOR_LAUNCH) ? `${body.trimEnd()}\n\n${launcherMissing(plugin)}\n` : body;
}

/** Rules skill-frontmatter, the body rules and launcher-missing: the Cursor skill of the bundle's skill `name`. */
export function cursorSkill(file: string, name: string, text: string, plugin: string): string {
  return inLineEndingOf(text, (lf) => {
    const data = readFrontmatter(file, lf)?.data ?? {};
    const personOnly = data["disable-model-invocation"] === true || undefined;
    return cursorFrontmatter(name, data.description, { "disable-model-invocation": personOnly }) + withLauncherRecovery(workflowNamesForCursor(cursorBody(dropFrontmatter(lf)), plugin), plugin);
  });
}

/** The tools an agent's frontmatter lists (a comma-separated string or a list), or null when it lists none (all tools). */
function toolsOf(value: unknown): string[] | null {
  if (typeof value === "string") return value.split(",").map((tool) => tool.trim().replace(/\(.*$/, "")).filter(Boolean);
  return Array.isArray(value) ? value.map((tool) => String(tool).trim().replace(/\(.*$/, "")) : null;
}

/** Rules agent-frontmatter, the body rules and launcher-missing: an agent as Cursor reads it. */
export function cursorAgent(file: string, name: string, text: string, plugin: string): string {
  return inLineEndingOf(text, (lf) => {
    const data = readFrontmatter(file, lf)?.data ?? {};
    const tools = toolsOf(data.tools);
    const readonly = (tools !== null && !tools.some((tool) => WRITING_TOOLS.has(tool))) || undefined;
    return cursorFrontmatter(typeof data.name === "string" ? data.name : name, data.description, { readonly }) + withLauncherRecovery(workflowNamesForCursor(cursorBody(dropFrontmatter(lf)), plugin), plugin);
  });
}

/** The plugin's files as the Cursor rendering reads them (the bundle's: each workflow already one skill). */
export interface PluginFiles {
  /** Every path of the plugin. */
  paths: string[];
  /** The text of a path, undefined when there is none. */
  text: (path: string) => string | undefined;
  /** Where a path came from, for messages. */
  origin: (path: string) => string;
  /** The bytes of a path (a skill's other files are carried as they are); undefined when there is none. */
  bytes?: (path: string) => Buffer | undefined;
}

/** What the Cursor rendering adds to the bundle: files (plugin paths), manifest fields to set (undefined: remove), notes for the report. */
export interface CursorRendering {
  files: Map<string, string | Buffer>;
  manifest: Array<[JSONPath, unknown]>;
  notes: string[];
}

/**
 * Renders what Cursor reads: cursor/skills/ (one per skill of the plugin, with its other files), cursor/agents/ and
 * cursor/hooks.json, the launcher hook (its script's text is `sessionStart`), and the Cursor
 * manifest's component paths (`commands` removed: every workflow is a skill). `cursorHooksPath` is the
 * hooks file the tree's own Cursor manifest named, if any: its handlers are merged in, so a second
 * build changes nothing. `plugin` is the plugin's name.
 */
export function renderCursor(plugin: PluginFiles, sessionStart: string, cursorHooksPath?: string, name = "ml-automation"): CursorRendering {
  const files = new Map<string, string | Buffer>();
  const manifest: Array<[JSONPath, unknown]> = [];
  const notes: string[] = [];
  const skills = new Set(plugin.paths.filter((candidate) => /^skills\/[^/]+\/SKILL\.md$/.test(candidate)).map((path) => path.split("/")[1] ?? ""));
  for (const skill of [...skills].sort()) {
    const path = `skills/${skill}/SKILL.md`;
    files.set(`${CURSOR_FOLDER}/${path}`, cursorSkill(plugin.origin(path), skill, plugin.text(path) ?? "", name));
  }
  // A skill's other files (references, scripts) go with it, as they are.
  for (const path of plugin.paths.filter((candidate) => skills.has(candidate.split("/")[1] ?? "") && candidate.startsWith("skills/") && !candidate.endsWith("/SKILL.md")).sort()) {
    const bytes = plugin.bytes?.(path);
    if (bytes) files.set(`${CURSOR_FOLDER}/${path}`, bytes);
  }
  for (const path of plugin.paths.filter((candidate) => /^agents\/[^/]+\.md$/.test(candidate)).sort()) {
    const agent = path.slice("agents/".length, -".md".length);
    files.set(`${CURSOR_FOLDER}/agents/${agent}.md`, cursorAgent(plugin.origin(path), agent, plugin.text(path) ?? "", name));
  }
  const left = plugin.paths.filter((path) => path.startsWith("commands/") && path.endsWith(".md"));
  if (left.length) notes.push(`Commands in subfolders, not carried to Cursor (it reads each workflow as a skill): ${left.join(", ")}`);
  const pluginFiles = new Set(plugin.paths);
  const hooks = cursorHooks({
    launcher: `python3 "\${CURSOR_PLUGIN_ROOT}/${CURSOR_SESSION_START}"`,
    claude: plugin.text(HOOKS_FILE),
    own: cursorHooksPath ? plugin.text(cursorHooksPath) : undefined,
    isPluginFile: (path) => pluginFiles.has(path),
    plugin: name,
  });
  files.set(`${CURSOR_FOLDER}/hooks.json`, hooks.text);
  files.set(CURSOR_SESSION_START, sessionStart);
  notes.push(...hooks.notes);
  const has = (prefix: string) => [...files.keys()].some((path) => path.startsWith(prefix));
  manifest.push([["commands"], undefined]);
  manifest.push([["skills"], has(`${CURSOR_FOLDER}/skills/`) ? `${CURSOR_FOLDER}/skills/` : undefined]);
  manifest.push([["agents"], has(`${CURSOR_FOLDER}/agents/`) ? `${CURSOR_FOLDER}/agents/` : undefined]);
  manifest.push([["hooks"], `${CURSOR_FOLDER}/hooks.json`]);
  return { files, manifest, notes };
}
