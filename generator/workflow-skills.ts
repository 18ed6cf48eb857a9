/**
 * One skill per workflow. Claude Code reaches a plugin skill both as `/NAME` and as `/PLUGIN:NAME`, a
 * plugin command only as `/PLUGIN:NAME`, and lists a command and a skill of one name twice in every
 * request. A plugin checkout keeps a command and a skill per workflow (the command says how it runs,
 * the skill what to know); the bundle offers each workflow once, as `skills/NAME/SKILL.md`, made by the
 * rules below (WORKFLOW_RULES) from the released files. What Cursor reads is rendered from the result.
 */
import { isMap, isScalar, parseDocument } from "yaml";
import { SourceError, SourceErrors } from "./errors.ts";
import { readFrontmatter } from "./frontmatter.ts";
import { offsets, parseMarkdown } from "./markdown.ts";
import type { Release } from "./release.ts";
import { problemAtKey, sameOrigin } from "./release-loader.ts";
import { lineEnding } from "./splice.ts";
import { closest } from "./suggest.ts";

/** The rules, by name: what each does and why (the README's account of the bundle's skills). */
export const WORKFLOW_RULES = {
  "skill-per-workflow":
    "The command and the skill of one name become skills/NAME/SKILL.md; a command alone becomes a skill too, a skill alone stays as it is. The bundle has no commands/ of its own.",
  "workflow-description": "The skill's description (what the workflow does and when to use it), else the command's.",
  "workflow-frontmatter": "name is the workflow's; the command's other keys (argument-hint, allowed-tools, ...) are kept as written, and the skill's keys the command does not have.",
  "workflow-body": "The command's body, then the skill's guidance with its title made a second-level heading.",
  "person-only": "A workflow the release names as one only a person starts gets disable-model-invocation: true: no request lists it, and it still runs when a person types it.",
  "earlier-merge": "A skill whose body already begins with the command's (a built bundle used as the sources) is taken as it is.",
} as const;

/** Cursor's and the open skill format's rule for skill names: lowercase letters and digits, inner hyphens and periods. */
export const SKILL_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

const COMMAND = /^commands\/([^/]+)\.md$/;
const SKILL = /^skills\/([^/]+)\/SKILL\.md$/;

/** The plugin path of the command of workflow `name`. */
export function commandPath(name: string): string {
  return `commands/${name}.md`;
}

/** The plugin path of the skill of workflow `name`. */
export function skillPath(name: string): string {
  return `skills/${name}/SKILL.md`;
}

/** The workflow a plugin path is the command or the skill of, or undefined. */
export function workflowOf(path: string): { name: string; kind: "command" | "skill" } | undefined {
  const command = COMMAND.exec(path);
  if (command?.[1]) return { name: command[1], kind: "command" };
  const skill = SKILL.exec(path);
  return skill?.[1] ? { name: skill[1], kind: "skill" } : undefined;
}

/**
 * Where an edit of `path` lands in a tree whose files are `has`: a workflow's command that the tree
 * holds only as its skill (a built bundle) is edited in the skill, which holds the command's body.
 */
export function workflowFile(path: string, has: (path: string) => boolean): string {
  const workflow = workflowOf(path);
  if (workflow?.kind !== "command" || has(path)) return path;
  const skill = skillPath(workflow.name);
  return has(skill) ? skill : path;
}

/** `release` with every edit of a workflow's command moved to where workflowFile puts it in the tree `has`. */
export function releaseForTree(release: Release, has: (path: string) => boolean): Release {
  // A moved edit still names the release data that asked for it in messages.
  const moved = <T extends { file: string }>(edit: T): T => {
    const file = workflowFile(edit.file, has);
    return file === edit.file ? edit : sameOrigin({ ...edit, file }, edit);
  };
  return { ...release, rewrites: release.rewrites.map(moved), insertions: release.insertions.map(moved) };
}

/** The workflows only a person starts, by name, with the reason: every release's of `releases`. */
export function personOnlyWorkflows(releases: Release[]): Map<string, string> {
  return new Map(releases.flatMap((release) => Object.entries(release.personOnly ?? {})));
}

/**
 * A person-only name of `releases` that is no workflow of the tree (`names`) but a likely typo of one:
 * a problem at the name in the release data, with "did you mean" (the workflow it meant would stay
 * listed to the model, which could start it). A name no workflow resembles is left alone: a release
 * names the workflows of every tree it serves, and this one may not have it.
 */
export function personOnlyTypos(releases: Release[], names: readonly string[]): SourceError[] {
  return releases.flatMap((release) =>
    Object.keys(release.personOnly ?? {}).flatMap((name) => {
      const guess = names.includes(name) ? undefined : closest(name, names);
      if (!guess || !release.personOnly) return [];
      return [problemAtKey(release.personOnly, name, `personOnly names ${name}, which is no workflow of this tree; did you mean ${guess}?`, "person-only-unknown")];
    }),
  );
}

/** A file of the tree as the rules read it: its name in messages and its released text. */
export interface WorkflowSource {
  file: string;
  text: string;
}

/** The frontmatter of a text (its YAML, without the --- lines, LF line breaks) and the body after it. */
interface Parts {
  yaml: string | null;
  body: string;
}

const FRONTMATTER = /^---[ \t]*\n(?:([\s\S]*?)\n)?---[ \t]*(?:\n|$)/;

function partsOf(text: string): Parts {
  const lf = text.replace(/\r\n/g, "\n");
  const match = FRONTMATTER.exec(lf);
  return match ? { yaml: match[1] ?? "", body: lf.slice(match[0].length) } : { yaml: null, body: lf };
}

/** The top-level entries of a frontmatter's YAML: each key with its text (from its line to the next key's). */
function entriesOf(file: string, yaml: string): Array<{ key: string; text: string }> {
  const document = parseDocument(yaml);
  if (!isMap(document.contents)) return [];
  const starts = document.contents.items.flatMap((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const at = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return key === undefined || at === undefined ? [] : [{ key, start: yaml.lastIndexOf("\n", at - 1) + 1 }];
  });
  // Whatever precedes the first key (a comment) goes with it.
  if (starts[0]) starts[0].start = 0;
  if (starts.length !== document.contents.items.length) throw new SourceError(file, "frontmatter keys must be plain names", 2, { ruleId: "frontmatter-not-mapping" });
  return starts.map(({ key, start }, index) => {
    const end = starts[index + 1]?.start ?? yaml.length;
    return { key, text: yaml.slice(start, end).replace(/\n*$/, "") };
  });
}

/** The skill's guidance: its body without leading blank lines, its first heading made a second-level one when it is a title. */
function guidanceOf(body: string): string {
  const text = body.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  const first = parseMarkdown(text).children[0];
  if (first?.type !== "heading" || first.depth !== 1) return text;
  const { start, end } = offsets(first);
  const atx = /^ {0,3}#(?=[ \t]|$)/.exec(text.slice(start));
  if (atx) return `${text.slice(0, start)}${atx[0]}#${text.slice(start + atx[0].length)}`;
  const lines = text.slice(start, end).split("\n");
  lines.pop();
  return `${text.slice(0, start)}## ${lines.map((line) => line.trim()).join(" ")}${text.slice(end)}`;
}

/** True when the skill's body already begins with the command's body: an earlier build's merge. */
function isEarlierMerge(skillBody: string, commandBody: string): boolean {
  const lead = (text: string) => text.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
  const command = lead(commandBody);
  return command.length > 0 && lead(skillBody).startsWith(command);
}

/** The text of `parts` with `disable-model-invocation: true` added to its frontmatter; null when it says so already. */
function personOnlyText(parts: Parts, file: string, name: string): string | null {
  const entries = parts.yaml === null ? [] : entriesOf(file, parts.yaml);
  if (entries.some((candidate) => candidate.key === "disable-model-invocation")) return null;
  const yaml = parts.yaml === null ? `name: ${name}` : parts.yaml.replace(/\n*$/, "");
  return `---\n${yaml}\ndisable-model-invocation: true\n---\n${parts.body}`;
}

/**
 * Rules skill-per-workflow, workflow-description, workflow-frontmatter, workflow-body, person-only and
 * earlier-merge: the skill of workflow `name` from its command and its skill (either may be missing,
 * not both). The result keeps the line breaks of the command (else of the skill). Throws SourceError
 * when a frontmatter cannot be read.
 */
export function workflowSkill(name: string, command: WorkflowSource | undefined, skill: WorkflowSource | undefined, personOnly = false): string {
  const eol = lineEnding((command ?? skill)?.text ?? "");
  for (const file of [command, skill]) if (file) readFrontmatter(file.file, file.text);
  const commandParts = command && partsOf(command.text);
  const skillParts = skill && partsOf(skill.text);
  const inEol = (text: string) => (eol === "\n" ? text : text.replace(/\n/g, eol));
  if (skill && skillParts && (!commandParts || isEarlierMerge(skillParts.body, commandParts.body))) {
    const flagged = personOnly ? personOnlyText(skillParts, skill.file, name) : null;
    return flagged === null ? skill.text : inEol(flagged);
  }
  if (!command || !commandParts) throw new Error(`workflow ${name} has neither a command nor a skill`);
  const skillEntries = skill && skillParts?.yaml ? entriesOf(skill.file, skillParts.yaml) : [];
  const entries = [...skillEntries];
  if (!entries.some((entry) => entry.key === "name")) entries.unshift({ key: "name", text: `name: ${name}` });
  for (const entry of commandParts.yaml ? entriesOf(command.file, commandParts.yaml) : []) {
    if (entry.key === "name") continue;
    const index = entries.findIndex((candidate) => candidate.key === entry.key);
    if (index === -1) entries.push(entry);
    else if (entry.key !== "description") entries[index] = entry;
  }
  if (personOnly && !entries.some((entry) => entry.key === "disable-model-invocation")) entries.push({ key: "disable-model-invocation", text: "disable-model-invocation: true" });
  const guidance = skillParts ? guidanceOf(skillParts.body) : "";
  const body = [commandParts.body.replace(/^(?:[ \t]*\n)+/, "").trimEnd(), guidance].filter(Boolean).join("\n\n");
  return inEol(`---\n${entries.map((entry) => entry.text).join("\n")}\n---\n\n${body}\n`);
}

/** The released plugin as the rules read it: every path, and the text and origin of one. */
export interface WorkflowTree {
  paths: string[];
  text: (path: string) => string | undefined;
  origin: (path: string) => string;
}

/** What the rules make of a tree: each workflow's skill (plugin path to text) and the command files they replace. */
export interface WorkflowSkills {
  /** Every workflow's name, sorted. */
  names: string[];
  /** The skills the rules wrote or changed (a skill alone, taken as it is, is not here). */
  skills: Map<string, string>;
  /** The commands merged into a skill (commands/NAME.md), not in the bundle. */
  merged: string[];
  /** The workflow names that are person-only in the bundle. */
  personOnly: string[];
}

/**
 * Applies the rules to every workflow of `tree`: each name with a command or a skill (top-level
 * commands/NAME.md, skills/NAME/SKILL.md). `personOnly` names the workflows only a person starts.
 * Throws SourceErrors for a command whose name cannot be a skill's (e.g. `My Command.md`).
 */
export function workflowSkills(tree: WorkflowTree, personOnly: ReadonlyMap<string, string>): WorkflowSkills {
  const names = [...new Set(tree.paths.flatMap((path) => workflowOf(path)?.name ?? []))].sort();
  const unnamable = names.filter((name) => !SKILL_NAME.test(name) && tree.paths.includes(commandPath(name)));
  if (unnamable.length) {
    throw new SourceErrors(unnamable.map((name) => {
      const suggestion = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
      return new SourceError(tree.origin(commandPath(name)), `the command is named "${name}" after its file, but the bundle offers each command as a skill and a skill's name must be lowercase letters and digits with inner '-' or '.'; rename the file${suggestion ? ` (e.g. ${suggestion}.md)` : ""}`, undefined, {
        ruleId: "command-name",
        actual: name,
      });
    }));
  }
  const skills = new Map<string, string>();
  const merged: string[] = [];
  const errors: SourceError[] = [];
  const read = (path: string): WorkflowSource | undefined => {
    const text = tree.paths.includes(path) ? tree.text(path) : undefined;
    return text === undefined ? undefined : { file: tree.origin(path), text };
  };
  for (const name of names) {
    const command = read(commandPath(name));
    const skill = read(skillPath(name));
    try {
      const text = workflowSkill(name, command, skill, personOnly.has(name));
      if (text !== skill?.text) skills.set(skillPath(name), text);
      if (command) merged.push(commandPath(name));
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length) throw new SourceErrors(errors);
  return { names, skills, merged, personOnly: names.filter((name) => personOnly.has(name)) };
}
