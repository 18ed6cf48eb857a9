/**
 * The staged workflow (team-coldstart): its stage headings are in order, and every "Stage N"
 * mentioned anywhere in the plugin names one of them.
 */
import type { Doc } from "../../generator/anchor.ts";
import { SourceError, lineOfOffset } from "../../generator/errors.ts";
import { listHeadings, parseMarkdown } from "../../generator/markdown.ts";
import type { TextFile } from "../../generator/sources.ts";
import { workflowFile } from "../../generator/workflow-skills.ts";

/** The document whose headings define the stages (in a bundle, the workflow's skill holds them). */
export const STAGED_WORKFLOW = "commands/team-coldstart.md";

const STAGE_HEADING = /^Stage (\d+)([a-z]?):/;
const STAGE_REFERENCE = /\bStage (\d+[a-z]?)\b/g;

/** A stage heading: its label ("5c"), number, letter and line. */
interface Stage {
  label: string;
  number: number;
  letter: string;
  line: number;
}

/** Returns the stages of a workflow document, in document order. */
export function listStages(doc: Doc): Stage[] {
  return listHeadings(doc.tree).flatMap((heading) => {
    const match = STAGE_HEADING.exec(heading.text);
    return match ? [{ label: `${match[1]}${match[2]}`, number: Number(match[1]), letter: match[2] ?? "", line: heading.line }] : [];
  });
}

/**
 * Checks that the workflow's stage headings are unique and ordered (1 < 2a < 2b < ... < 5b < 5c < 6),
 * and that every "Stage N" in `documents` names an existing stage. Returns one SourceError per problem.
 */
export function checkStages(documents: Map<string, TextFile>, staged = STAGED_WORKFLOW): SourceError[] {
  const workflow = workflowFile(staged, (path) => documents.has(path));
  const source = documents.get(workflow);
  if (!source) return [new SourceError(workflow, "the staged workflow is missing")];
  const stages = listStages({ file: source.file, text: source.text, tree: parseMarkdown(source.text) });
  const problems: SourceError[] = [];
  if (stages.length === 0) problems.push(new SourceError(source.file, "has no stage headings (\"### Stage 1: ...\")"));
  stages.forEach((stage, index) => {
    const previous = stages[index - 1];
    if (!previous) return;
    const ordered = stage.number > previous.number || (stage.number === previous.number && stage.letter > previous.letter);
    if (!ordered) problems.push(new SourceError(source.file, `Stage ${stage.label} comes after Stage ${previous.label} (line ${previous.line}); stages must be in order`, stage.line));
  });
  const known = new Set(stages.map((stage) => stage.label));
  for (const { file, text } of documents.values()) {
    for (const match of text.matchAll(STAGE_REFERENCE)) {
      const label = match[1] ?? "";
      if (!known.has(label)) {
        problems.push(new SourceError(file, `refers to Stage ${label}, which ${workflow} does not have (stages: ${[...known].join(", ")})`, lineOfOffset(text, match.index ?? 0)));
      }
    }
  }
  return problems;
}
