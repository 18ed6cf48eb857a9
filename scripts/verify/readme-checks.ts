/**
 * The plugin's README keeps up with what the bundle holds: its table of commands (or skills) has a row
 * for each command and skill and none for one the bundle lacks, and a count it gives in words or digits
 * ("ten agents", "12 commands") is the bundle's. A release that adds a command is reminded here.
 */
import type { Table } from "mdast";
import { SourceError } from "../../generator/errors.ts";
import { listHeadings, literalRanges, nodesWithin, parseMarkdown, plainText, sectionRange } from "../../generator/markdown.ts";
import type { TextFile } from "../../generator/sources.ts";

/** Headings of the sections that hold the table of commands. */
const TABLE_HEADING = /^(?:commands|skills|slash commands|workflows|skills \/ slash commands)\b/i;

const NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];
const COUNT = new RegExp(`\\b(\\d+|${NUMBER_WORDS.join("|")})\\s+(?:slash\\s+|workflow\\s+)?(agents|commands|skills)\\b`, "gi");

/** The name a table row's first cell gives: `registry`, `/registry` and `/plugin:registry` all name registry. */
function rowName(cell: string): string {
  return cell.trim().replace(/^`|`$/g, "").replace(/^\//, "").replace(/^[a-z0-9.-]+:/, "").split(/\s/)[0] ?? "";
}

/** What the bundle holds that a README names: its commands and skills by name, and how many agents. */
export interface Inventory {
  commands: string[];
  skills: string[];
  agents: number;
}

/** The inventory of a plugin from its paths. */
export function inventoryOf(files: Iterable<string>): Inventory {
  const paths = [...files];
  return {
    commands: paths.flatMap((path) => /^commands\/([^/]+)\.md$/.exec(path)?.[1] ?? []),
    skills: paths.flatMap((path) => /^skills\/([^/]+)\/SKILL\.md$/.exec(path)?.[1] ?? []),
    agents: paths.filter((path) => /^agents\/[^/]+\.md$/.test(path)).length,
  };
}

/** Checks that each table of commands of `readme` has a row for each command and skill of the plugin, and none for another. */
export function checkReadmeTable(readme: TextFile, inventory: Inventory): SourceError[] {
  const names = new Set([...inventory.commands, ...inventory.skills]);
  const tree = parseMarkdown(readme.text);
  const problems: SourceError[] = [];
  for (const heading of listHeadings(tree).filter((candidate) => TABLE_HEADING.test(candidate.text))) {
    const table = nodesWithin(tree, sectionRange(tree, heading, readme.text.length)).find((node): node is Table => node.type === "table");
    if (!table) continue;
    const rows = table.children.slice(1).map((row) => ({ name: rowName(plainText(row.children[0] ?? row)), line: row.position?.start.line }));
    const listed = new Set(rows.map((row) => row.name));
    for (const name of [...names].sort()) {
      if (listed.has(name)) continue;
      const source = inventory.commands.includes(name) ? `commands/${name}.md` : `skills/${name}/SKILL.md`;
      problems.push(new SourceError(readme.file, `the table of section "${heading.text}" has no row for \`${name}\` (${source}): a release that adds a command or skill adds its row too`, table.position?.start.line, { ruleId: "readme-table", actual: name }));
    }
    for (const row of rows) {
      if (!names.has(row.name)) problems.push(new SourceError(readme.file, `the table of section "${heading.text}" lists \`${row.name}\`, which is no command or skill of the bundle`, row.line, { ruleId: "readme-table", actual: row.name }));
    }
  }
  return problems;
}

/** Checks that every count of agents, commands or skills `readme` gives in its prose (not in code) is the plugin's. */
export function checkReadmeCounts(readme: TextFile, inventory: Inventory): SourceError[] {
  const counts: Record<string, number> = { agents: inventory.agents, commands: inventory.commands.length, skills: inventory.skills.length };
  const literals = literalRanges(parseMarkdown(readme.text));
  const problems: SourceError[] = [];
  for (const match of readme.text.matchAll(COUNT)) {
    const offset = match.index ?? 0;
    if (literals.some((range) => offset >= range.start && offset < range.end)) continue;
    const said = /^\d+$/.test(match[1] ?? "") ? Number(match[1]) : NUMBER_WORDS.indexOf((match[1] ?? "").toLowerCase());
    const kind = (match[2] ?? "").toLowerCase();
    const actual = counts[kind];
    if (actual === undefined || said === actual) continue;
    const line = readme.text.slice(0, offset).split("\n").length;
    problems.push(new SourceError(readme.file, `says "${match[0]}", but the bundle has ${actual} ${kind}: update the count when a release adds one`, line, { ruleId: "readme-count", actual: match[0] }));
  }
  return problems;
}

/**
 * Checks the plugin's README (plugin path README.md) against the bundle's files (`files`: the plugin's
 * paths): its table of commands and its counts. None when it has neither.
 */
export function checkReadme(documents: Map<string, TextFile>, files: Iterable<string>): SourceError[] {
  const readme = documents.get("README.md");
  if (!readme) return [];
  const inventory = inventoryOf(files);
  return [...checkReadmeTable(readme, inventory), ...checkReadmeCounts(readme, inventory)];
}
