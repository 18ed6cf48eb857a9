/**
 * The release's edits are in the bundle: each inserted fragment once and where its placement (the
 * first alternative whose anchor the document has) says, each rewrite applied, each new file present.
 */
import type { Doc } from "../../generator/anchor.ts";
import { SourceError, sourceErrorsOf } from "../../generator/errors.ts";
import { fragmentIdentity, readIdentity } from "../../generator/fragment.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkPlacement, isMissingAnchor, type PlacementContext } from "../../generator/placements.ts";
import { alternatives, type Insertion, type Release } from "../../generator/release.ts";
import { checkRewrite } from "../../generator/rewrite.ts";
import type { TextFile } from "../../generator/sources.ts";

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
 * Checks `documents` (plugin path to file) against `release`, whose templates `render` renders.
 * Returns one SourceError per missing, repeated or misplaced fragment, unapplied rewrite or missing file.
 */
export function checkRelease(documents: Map<string, TextFile>, release: Release, render: (template: string) => TextFile): SourceError[] {
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
  const leadsOf = (path: string): PlacementContext => {
    const identities = release.insertions.filter((insertion) => insertion.file === path).map((insertion) => readIdentity(render(insertion.template).text));
    return {
      leads: new Set(identities.flatMap((identity) => (identity?.kind === "lead" ? [identity.text] : []))),
      sections: new Set(identities.flatMap((identity) => (identity?.kind === "section" ? [identity.text] : []))),
    };
  };
  for (const insertion of release.insertions) {
    const doc = docOf(insertion.file);
    if (!doc) {
      problems.push(new SourceError(insertion.file, `missing: release ${release.version} inserts into it`, undefined, { ruleId: "bundle-missing-file" }));
      continue;
    }
    guard(() => checkInsertion(doc, insertion, render(insertion.template), leadsOf(insertion.file)));
  }
  for (const rewrite of release.rewrites) {
    const doc = docOf(rewrite.file);
    if (!doc) problems.push(new SourceError(rewrite.file, "missing", undefined, { ruleId: "bundle-missing-file" }));
    else guard(() => (checkRewrite(doc, rewrite), null));
  }
  for (const newFile of release.newFiles) {
    if (!documents.has(newFile.file)) problems.push(new SourceError(newFile.file, `missing: release ${release.version} adds it`, undefined, { ruleId: "bundle-missing-file" }));
  }
  return problems;
}
