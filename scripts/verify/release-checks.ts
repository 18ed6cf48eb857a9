/**
 * Every release's edits are in the bundle, from the first the build applied up to the current one:
 * each inserted fragment once and where its placement (the first alternative whose anchor the document
 * has) says, each rewrite applied, each new file and hook handler present, each runtime function
 * defined. An edit a later release makes again (the same fragment, or a rewrite of what an earlier one
 * wrote) is checked as the later release has it. Each problem names the release data that asked for
 * the edit.
 */
import type { Doc } from "../../generator/anchor.ts";
import { SourceError, sourceErrorsOf } from "../../generator/errors.ts";
import { fragmentIdentity, readIdentity } from "../../generator/fragment.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkPlacement, isMissingAnchor, placementContext, type PlacementContext } from "../../generator/placements.ts";
import { askedBy } from "../../generator/remark-release.ts";
import { originOf } from "../../generator/release-loader.ts";
import { alternatives, rewritePhrases, type Insertion, type Release, type Rewrite } from "../../generator/release.ts";
import type { PythonInventory } from "../../generator/python.ts";
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
 * `hasFile` tells whether the plugin holds a file that is not markdown (a program of bin/, say); a
 * workflow's command the bundle holds as its skill is looked for there (its new command too). `name`
 * adds to a problem which edit it is about; `contextOf` gives the fragments inserted into a file (by
 * default the release's own; other releases' may stand between a fragment and its anchor). Returns
 * one SourceError per missing, repeated or misplaced fragment, unapplied rewrite or missing file.
 */
export function checkRelease(
  documents: Map<string, TextFile>,
  released: Release,
  render: (template: string) => TextFile,
  hasFile: (path: string) => boolean = (path) => documents.has(path),
  readFile?: (path: string) => string | undefined,
  name: (problem: SourceError, edit: object) => SourceError = (problem) => problem,
  contextOf?: (path: string) => PlacementContext,
): SourceError[] {
  const has = (path: string) => documents.has(path) || hasFile(path);
  const release = releaseForTree(released, has);
  const problems: SourceError[] = [];
  const docOf = (path: string): Doc | null => {
    const source = documents.get(path);
    return source ? { file: source.file, text: source.text, tree: parseMarkdown(source.text) } : null;
  };
  const guard = (edit: object, fn: () => SourceError | null) => {
    try {
      const problem = fn();
      if (problem) problems.push(name(problem, edit));
    } catch (error) {
      const found = sourceErrorsOf(error);
      if (!found) throw error;
      problems.push(...found.map((problem) => name(problem, edit)));
    }
  };
  const leadsOf =
    contextOf ??
    ((path: string): PlacementContext => placementContext(release.insertions.filter((insertion) => insertion.file === path).map((insertion) => readIdentity(render(insertion.template).text))));
  for (const insertion of release.insertions) {
    const doc = docOf(insertion.file);
    if (!doc) {
      if (!insertion.optional) problems.push(name(new SourceError(insertion.file, `missing: release ${release.version} inserts into it`, undefined, { ruleId: "bundle-missing-file" }), insertion));
      continue;
    }
    guard(insertion, () => {
      const problem = checkInsertion(doc, insertion, render(insertion.template), leadsOf(insertion.file));
      return problem && insertion.optional && isMissingAnchor(problem) ? null : problem;
    });
  }
  for (const rewrite of release.rewrites) {
    const doc = docOf(rewrite.file);
    if (!doc) {
      if (!rewrite.optional) problems.push(name(new SourceError(rewrite.file, `missing: release ${release.version} rewrites it`, undefined, { ruleId: "bundle-missing-file" }), rewrite));
      continue;
    }
    guard(rewrite, () => (rewrite.optional && isAbsentRewrite(doc, rewrite) ? null : (checkRewrite(doc, rewrite), null)));
  }
  if (release.hooks?.length) {
    const registered = parseHooks(readFile?.(HOOKS_FILE));
    for (const handler of release.hooks) {
      if (!registers(registered, handler)) {
        const on = `${handler.event}${handler.matcher ? ` (${handler.matcher}${handler.if ? `, if ${handler.if}` : ""})` : ""}`;
        problems.push(name(new SourceError(HOOKS_FILE, `does not run ${handler.command} on ${on}, which release ${release.version} adds`, undefined, { ruleId: "bundle-missing-hook", actual: handler.command }), handler));
      }
    }
  }
  for (const newFile of release.newFiles) {
    if (!hasFile(workflowFile(newFile.file, has))) problems.push(name(new SourceError(newFile.file, `missing: release ${release.version} adds it`, undefined, { ruleId: "bundle-missing-file" }), newFile));
  }
  return problems;
}

/** `problem` saying which release asked for the edit it is about (its data line, when the release was loaded from its file). */
function named(problem: SourceError, release: Release, edit: object): SourceError {
  return askedBy(problem, originOf(edit) ?? `release ${release.version}`);
}

/** True when a later release of `chain` rewrites, in the same file, what `rewrite` wrote. */
function rewrittenLater(chain: Release[], index: number, rewrite: Rewrite): boolean {
  const written = new Set(rewritePhrases(rewrite).map((phrase) => phrase.to));
  return chain.slice(index + 1).some((later) => later.rewrites.some((other) => other.file === rewrite.file && rewritePhrases(other).some((phrase) => written.has(phrase.from))));
}

/** True when a later release of `chain` inserts the same fragment (by identity) into the same file. */
function insertedLater(chain: Release[], index: number, insertion: Insertion, render: (release: Release, template: string) => TextFile): boolean {
  const identity = readIdentity(render(chain[index] as Release, insertion.template).text);
  if (!identity) return false;
  return chain.slice(index + 1).some((later) =>
    later.insertions.some((other) => {
      if (other.file !== insertion.file) return false;
      const mine = readIdentity(render(later, other.template).text);
      return mine?.kind === identity.kind && mine.text === identity.text;
    }),
  );
}

/**
 * Checks `documents` against every release of `chain` (oldest first; `render(release, template)`
 * renders a release's template). An edit a later release makes again is left to the later release.
 * Returns one SourceError per problem, naming the release data that asked for the edit.
 */
export function checkReleases(
  documents: Map<string, TextFile>,
  chain: Release[],
  render: (release: Release, template: string) => TextFile,
  hasFile: (path: string) => boolean = (path) => documents.has(path),
  readFile?: (path: string) => string | undefined,
): SourceError[] {
  // Each release as the bundle holds its edits: a workflow's command is in its skill.
  const has = (path: string) => documents.has(path) || hasFile(path);
  const placed = chain.map((release) => releaseForTree(release, has));
  // What every release of the chain inserts into each file: their fragments may stand between another's and its anchor.
  const contexts = new Map<string, PlacementContext>();
  const contextOf = (path: string): PlacementContext => {
    let context = contexts.get(path);
    if (!context) {
      context = placementContext(placed.flatMap((release) => release.insertions.filter((insertion) => insertion.file === path).map((insertion) => readIdentity(render(release, insertion.template).text))));
      contexts.set(path, context);
    }
    return context;
  };
  return placed.flatMap((release, index) => {
    const current: Release = {
      ...release,
      rewrites: release.rewrites.filter((rewrite) => !rewrittenLater(placed, index, rewrite)),
      insertions: release.insertions.filter((insertion) => !insertedLater(placed, index, insertion, render)),
    };
    return checkRelease(documents, current, (template) => render(release, template), hasFile, readFile, (problem, edit) => named(problem, release, edit), contextOf);
  });
}

/** Checks that the compiled runtime defines every function each release of `chain` needs; one problem per release, naming it. */
export function checkRuntimeApi(file: string, inventory: PythonInventory, chain: Release[]): SourceError[] {
  return chain.flatMap((release) => {
    const missing = release.runtimeApi.filter((name) => !inventory.functions.includes(name));
    return missing.length ? [new SourceError(file, `does not define ${missing.join(", ")}, which release ${release.version} needs (its runtimeApi)`, undefined, { ruleId: "bundle-runtime-api", actual: missing.join(", ") })] : [];
  });
}
