/**
 * The release's edits are in the bundle: each inserted fragment once and where its placement (the
 * first alternative whose anchor the document has) says, each rewrite applied, each new file present.
 */
import type { Doc } from "../../generator/anchor.ts";
import { SourceError, sourceErrorsOf } from "../../generator/errors.ts";
import { fragmentIdentity, readIdentity } from "../../generator/fragment.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkPlacement, isMissingAnchor, placementContext, type PlacementContext } from "../../generator/placements.ts";
import { alternatives, type Insertion, type Release, type Rewrite } from "../../generator/release.ts";
import { HOOKS_FILE, registers } from "../../generator/hook-handlers.ts";
import { checkRewrite, isAbsentTarget, locateRewrite } from "../../generator/rewrite.ts";
import type { TextFile } from "../../generator/sources.ts";
import { releaseForTree, workflowFile } from "../../generator/workflow-skills.ts";

/** True when the document has neither the rewrite's section nor either of its phrases (an optional rewrite with nothing to do). */
function isAbsentRewrite(doc: Doc, rewrite: Rewrite): boolean {
  try {
    locateRewrite(doc, rewrite);
    return false;
  } catch (error) {
    return isAbsentTarget(error);
  }
}

/** The parsed hooks file, or null when there is none or it is not JSON (an unreadable file registers nothing; the manifest-path checks report it). */
function parseHooks(text: string | undefined): unknown {
  try {
    return text === undefined ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** Checks one insertion in `doc`; returns the problem, or null when the fragment is in place. */
function checkInsertion(doc: Doc, insertion: Insertion, fragment: TextFile, context: PlacementContext): SourceError | null {
  const placements = alternatives(insertion.placement);
  let first: SourceError | null = null;
  for (const placement of placements) {
    try {
      checkPlacement(doc, placement, fragmentIdentity(fragment.file, placement, fragment.text), context);
      return null;
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      if (!isMissingAnchor(error)) return error;
      first ??= error;
    }
  }
  return first;
}

/**
 * Checks `documents` (plugin path to file) against `release`, whose templates `render` renders;
 * `hasFile` tells whether the plugin holds a file that is not markdown (a program of bin/, say).
 * A workflow's command the bundle holds as its skill is looked for there (its new command too).
 * Returns one SourceError per missing, repeated or misplaced fragment, unapplied rewrite or missing file.
 */
export function checkRelease(
  documents: Map<string, TextFile>,
  released: Release,
  render: (template: string) => TextFile,
  hasFile: (path: string) => boolean = (path) => documents.has(path),
  readFile?: (path: string) => string | undefined,
): SourceError[] {
  const has = (path: string) => documents.has(path) || hasFile(path);
  const release = releaseForTree(released, has);
  const problems: SourceError[] = [];
  const docOf = (path: string): Doc | null => {
    const source = documents.get(path);
    return source ? { file: source.file, text: source.text, tree: parseMarkdown(source.text) } : null;
  };
  const guard = (fn: () => SourceError | null) => {
    try {
      const problem = fn();
      if (problem) problems.push(problem);
    } catch (error) {
      const found = sourceErrorsOf(error);
      if (!found) throw error;
      problems.push(...found);
    }
  };
  const leadsOf = (path: string): PlacementContext =>
    placementContext(release.insertions.filter((insertion) => insertion.file === path).map((insertion) => readIdentity(render(insertion.template).text)));
  for (const insertion of release.insertions) {
    const doc = docOf(insertion.file);
    if (!doc) {
      if (!insertion.optional) problems.push(new SourceError(insertion.file, `missing: release ${release.version} inserts into it`, undefined, { ruleId: "bundle-missing-file" }));
      continue;
    }
    guard(() => {
      const problem = checkInsertion(doc, insertion, render(insertion.template), leadsOf(insertion.file));
      return problem && insertion.optional && isMissingAnchor(problem) ? null : problem;
    });
  }
  for (const rewrite of release.rewrites) {
    const doc = docOf(rewrite.file);
    if (!doc) {
      if (!rewrite.optional) problems.push(new SourceError(rewrite.file, "missing", undefined, { ruleId: "bundle-missing-file" }));
      continue;
    }
    guard(() => (rewrite.optional && isAbsentRewrite(doc, rewrite) ? null : (checkRewrite(doc, rewrite), null)));
  }
  if (release.hooks?.length) {
    const registered = parseHooks(readFile?.(HOOKS_FILE));
    for (const handler of release.hooks) {
      if (!registers(registered, handler)) {
        const on = `${handler.event}${handler.matcher ? ` (${handler.matcher}${handler.if ? `, if ${handler.if}` : ""})` : ""}`;
        problems.push(new SourceError(HOOKS_FILE, `does not run ${handler.command} on ${on}, which release ${release.version} adds`, undefined, { ruleId: "bundle-missing-hook", actual: handler.command }));
      }
    }
  }
  for (const newFile of release.newFiles) {
    if (!hasFile(workflowFile(newFile.file, has))) problems.push(new SourceError(newFile.file, `missing: release ${release.version} adds it`, undefined, { ruleId: "bundle-missing-file" }));
  }
  return problems;
}
