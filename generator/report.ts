/** The short report `npm run build:plugin` prints after a build. */
import type { BuildResult } from "./build.ts";

/** Formats a build result: files written, each section inserted (file:line), the version, how to install. */
export function formatReport(result: BuildResult, marketplaceName: string): string {
  const root = result.pluginName;
  const out = result.out.replace(/\/+$/, "");
  const width = Math.max(0, ...result.edits.map((edit) => `${edit.file}:${edit.line}`.length));
  const counts = { inserted: 0, replaced: 0, unchanged: 0, "not present": 0 };
  for (const edit of result.edits) counts[edit.action]++;
  const lines = [
    `Built ${root} ${result.version} into ${out}/ (${result.files.length} files, from a ${result.layout} tree at ${result.from})`,
    "",
    `Releases applied: ${result.applied.join(" -> ") || "none"}`,
    `Edits (${counts.inserted} inserted, ${counts.replaced} replaced, ${counts.unchanged} already in place${counts["not present"] ? `, ${counts["not present"]} optional not present in this tree` : ""}):`,
    ...result.edits.map((edit) => `  ${`${edit.file}${edit.line ? `:${edit.line}` : ""}`.padEnd(width)}  ${edit.release.padEnd(6)}  ${edit.action.padEnd(11)}  ${shorten(edit.label, 110)}`),
    `New files: ${result.created.join(", ") || "none"}`,
    `Manifests at ${result.version}: ${root}/.claude-plugin/plugin.json, ${root}/.cursor-plugin/plugin.json, .claude-plugin/marketplace.json`,
  ];
  const { workflows } = result;
  lines.push(`Workflows: ${workflows.skills} skills (skills/NAME/SKILL.md), ${workflows.merged.length} command${workflows.merged.length === 1 ? "" : "s"} merged into them${workflows.personOnly.length ? `; only a person starts ${workflows.personOnly.join(", ")} (disable-model-invocation)` : ""}`);
  lines.push(`Cursor: ${result.cursor.files} files rendered under ${root}/cursor/ (a skill per workflow, agents, hooks)`);
  for (const note of result.cursor.notes) lines.push(`  ${note}`);
  if (result.runtime) {
    const { commands } = result.runtime;
    lines.push(`Runtime: ${result.runtime.path}, the library a project holds (${result.runtime.bytes.toLocaleString("en-US")} bytes; sections ${result.runtime.sections.join(", ")}; ${result.runtime.functions} functions)`);
    const { mirror } = result.runtime;
    if (mirror) lines.push(`MLflow mirror client: ${mirror.path}, loaded by the library when the mirror is on (${mirror.bytes.toLocaleString("en-US")} bytes; ${mirror.functions} functions)`);
    if (commands) lines.push(`Commands: ${commands.path}, kept in the plugin (${commands.bytes.toLocaleString("en-US")} bytes; sections ${commands.sections.join(", ")}; ${commands.functions} functions)`);
  }
  lines.push(
    "",
    "Install in Claude Code:",
    `  claude plugin marketplace add ${out.startsWith("/") || out.startsWith(".") ? out : `./${out}`}`,
    `  claude plugin install ${root}@${marketplaceName}`,
    `Check the bundle: npm run verify -- --bundle ${out}`,
  );
  return lines.join("\n");
}

/** `text` cut to `width` characters with an ellipsis (long rewrite phrases stay on one line). */
function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
