/**
 * Frontmatter of agents, commands and skills: it parses, uses only keys Claude Code knows, has a
 * description, and each skill is named after its folder (Cursor's rule, kebab-case).
 */
import { SourceError } from "../../generator/errors.ts";
import { readFrontmatter } from "../../generator/frontmatter.ts";
import { CURSOR_NAME } from "../../generator/platforms/cursor.ts";
import type { TextFile } from "../../generator/sources.ts";

/** Frontmatter keys Claude Code 2.1 reads in plugin agents, commands and skills; any other key is silently ignored. */
export const CLAUDE_CODE_KEYS = new Set([
  "name", "description", "model", "allowed-tools", "argument-hint", "arguments", "disable-model-invocation",
  "user-invocable", "effort", "shell", "version", "when_to_use", "paths", "hooks", "context", "agent", "tools",
  "disallowedTools", "color", "permissionMode", "maxTurns", "initialPrompt", "memory", "background", "isolation",
]);

/** Cursor's rule for skill (and plugin) names: lowercase letters and digits, inner hyphens and periods. */
export const KEBAB_NAME = CURSOR_NAME;

/**
 * Checks every agent, command and skill of `documents` (plugin path to file). Returns one SourceError
 * per problem: missing or unparseable frontmatter, unknown keys, a missing or non-string description
 * or argument-hint, an agent without a name, a skill whose name is not its folder's.
 */
export function checkFrontmatter(documents: Map<string, TextFile>): SourceError[] {
  const problems: SourceError[] = [];
  for (const [path, { file, text }] of documents) {
    const kind = path.startsWith("agents/") ? "agent" : path.startsWith("commands/") ? "command" : path.startsWith("skills/") ? "skill" : null;
    if (!kind) continue;
    let frontmatter;
    try {
      frontmatter = readFrontmatter(file, text);
    } catch (error) {
      if (error instanceof SourceError) problems.push(error);
      else throw error;
      continue;
    }
    if (!frontmatter) {
      problems.push(new SourceError(file, `${kind} has no frontmatter (a --- block with at least a description)`, 1));
      continue;
    }
    const { data, keyLines } = frontmatter;
    for (const key of Object.keys(data).filter((candidate) => !CLAUDE_CODE_KEYS.has(candidate))) {
      problems.push(new SourceError(file, `frontmatter key "${key}" is not one Claude Code reads (it would be ignored)`, keyLines[key]));
    }
    if (typeof data.description !== "string" || !data.description.trim()) {
      problems.push(new SourceError(file, `${kind} needs a description: what it does and when to use it`, keyLines.description ?? 1));
    }
    for (const key of ["argument-hint", "name", "model", "color"]) {
      if (key in data && typeof data[key] !== "string") {
        problems.push(new SourceError(file, `"${key}" must be a string, found ${JSON.stringify(data[key])} (quote values starting with [ or containing ": ")`, keyLines[key]));
      }
    }
    if (kind === "agent") {
      const expected = path.slice("agents/".length, -".md".length);
      if (data.name !== expected) problems.push(new SourceError(file, `agent name must be "${expected}" (its file name), found ${JSON.stringify(data.name)}`, keyLines.name ?? 1));
    }
    if (kind === "skill") {
      const folder = path.split("/")[1] ?? "";
      if (data.name !== folder) problems.push(new SourceError(file, `skill name must equal its folder "${folder}", found ${JSON.stringify(data.name)}`, keyLines.name ?? 1));
      if (!KEBAB_NAME.test(folder)) problems.push(new SourceError(file, `skill folder "${folder}" is not kebab-case (lowercase letters, digits, '-' and '.')`));
    }
  }
  return problems;
}
