/**
 * Slash commands as people type them: Claude Code lists a plugin's commands under the plugin's name
 * (`/ml-automation:registry`) and answers a bare `/registry` with "Unknown command". Every mention of
 * one of the plugin's commands in its prose must be the namespaced form.
 */
import { SourceError, pointOfOffset } from "../../generator/errors.ts";
import type { TextFile } from "../../generator/sources.ts";

/** The plugin's command names: the files of commands/ (without .md). */
export function commandNames(documents: Map<string, TextFile>): string[] {
  return [...documents.keys()].filter((path) => /^commands\/[^/]+\.md$/.test(path)).map((path) => path.slice("commands/".length, -".md".length));
}

/**
 * Returns one SourceError per bare mention (`/registry`) of a command of `plugin` in `documents`:
 * a slash not preceded by a letter, digit, '/', ':' or '.' (so paths such as src/train.py are not
 * mentions), then a command name, then no further name character.
 */
export function checkCommandMentions(documents: Map<string, TextFile>, plugin: string): SourceError[] {
  const names = commandNames(documents).sort((a, b) => b.length - a.length);
  if (names.length === 0) return [];
  const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const bare = new RegExp(`(?<![\\w/:.-])/(${escaped.join("|")})(?![\\w-])`, "g");
  const problems: SourceError[] = [];
  for (const { file, text } of documents.values()) {
    for (const match of text.matchAll(bare)) {
      const point = pointOfOffset(text, match.index ?? 0);
      problems.push(
        new SourceError(file, `names \`/${match[1]}\`, which Claude Code does not know: write \`/${plugin}:${match[1]}\``, point.line, {
          column: point.column,
          ruleId: "command-not-namespaced",
          actual: `/${match[1]}`,
        }),
      );
    }
  }
  return problems;
}
