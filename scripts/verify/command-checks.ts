/**
 * Workflows named as people type them. Claude Code reaches a plugin skill as `/NAME` and as
 * `/PLUGIN:NAME`, a plugin command only as `/PLUGIN:NAME`, and its own commands win over a skill's bare
 * name (`/status` opens Claude Code's status). So a mention in the plugin's prose is `/NAME` for a
 * skill, and `/PLUGIN:NAME` for a command or for a skill whose name Claude Code uses itself; and no
 * name is both a command and a skill (every request would list it twice). What Cursor reads (cursor/)
 * has its own names.
 */
import { SourceError, pointOfOffset } from "../../generator/errors.ts";
import type { TextFile } from "../../generator/sources.ts";
import { workflowOf } from "../../generator/workflow-skills.ts";

/**
 * Slash commands Claude Code has itself: the documented built-ins and the bundled skills 2.1.332
 * reports (`slash_commands` of its init event). A plugin skill of one of these names is typed namespaced.
 */
export const CLAUDE_CODE_COMMANDS = new Set([
  "add-dir", "agents", "bashes", "batch", "bug", "claude-api", "clear", "code-review", "color", "compact", "config", "context",
  "cost", "dataviz", "debug", "deep-research", "doctor", "effort", "exit", "export", "fast", "feedback", "focus", "goal", "help",
  "hooks", "ide", "init", "insights", "install-github-app", "login", "logout", "loop", "mcp", "memory", "model", "output-style",
  "permissions", "plugin", "pr-comments", "privacy-settings", "recap", "release-notes", "reload-plugins", "reload-skills",
  "rename", "resume", "review", "rewind", "run", "sandbox", "security-review", "simplify", "status", "statusline",
  "terminal-setup", "todos", "update-config", "upgrade", "usage", "verify", "vim",
]);

/** The plugin's workflows as Claude Code offers them: skills (skills/NAME/SKILL.md) and commands (commands/NAME.md). */
export function workflowNames(documents: Map<string, TextFile>): { skills: string[]; commands: string[] } {
  const skills: string[] = [];
  const commands: string[] = [];
  for (const path of documents.keys()) {
    const workflow = workflowOf(path);
    if (workflow) (workflow.kind === "skill" ? skills : commands).push(workflow.name);
  }
  return { skills: skills.sort(), commands: commands.sort() };
}

function alternation(names: string[]): string {
  return [...names].sort((a, b) => b.length - a.length).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/**
 * Returns one SourceError per mention in `documents` (outside cursor/) not in the form people type for
 * `plugin`'s workflows, and one per name that is both a command and a skill. A mention is a slash not
 * preceded by a letter, digit, '/', ':', '.' or '-' (so paths such as src/train.py are not mentions),
 * then a name, then no further name character.
 */
export function checkCommandMentions(documents: Map<string, TextFile>, plugin: string): SourceError[] {
  const { skills, commands } = workflowNames(documents);
  const problems: SourceError[] = [];
  for (const name of commands.filter((candidate) => skills.includes(candidate))) {
    problems.push(new SourceError(`commands/${name}.md`, `and skills/${name}/SKILL.md are one workflow listed twice in every request: keep the skill`, undefined, { ruleId: "workflow-listed-twice", actual: name }));
  }
  const namespacedOnly = new Set([...commands, ...skills.filter((name) => CLAUDE_CODE_COMMANDS.has(name))]);
  const all = [...new Set([...skills, ...commands])];
  if (all.length === 0) return problems;
  const escapedPlugin = plugin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const mention = new RegExp(`(?<![\\w/:.-])/(?:(${escapedPlugin}):)?(${alternation(all)})(?![\\w-])`, "g");
  for (const [path, { file, text }] of documents) {
    if (path.startsWith("cursor/")) continue;
    for (const match of text.matchAll(mention)) {
      const name = match[2] ?? "";
      const namespaced = match[1] !== undefined;
      if (namespaced === namespacedOnly.has(name)) continue;
      const point = pointOfOffset(text, match.index ?? 0);
      const reason = namespaced
        ? `names \`${match[0]}\`: the skill is typed \`/${name}\` (the namespaced form is for names Claude Code uses itself)`
        : CLAUDE_CODE_COMMANDS.has(name)
          ? `names \`/${name}\`, which opens Claude Code's own command: write \`/${plugin}:${name}\``
          : `names \`/${name}\`, a command Claude Code knows only as \`/${plugin}:${name}\``;
      problems.push(new SourceError(file, reason, point.line, { column: point.column, ruleId: namespaced ? "workflow-namespaced" : "workflow-not-namespaced", actual: match[0] }));
    }
  }
  return problems;
}
