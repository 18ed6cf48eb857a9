/**
 * Applying a release's markdown changes to the plugin's documents: remarkRelease plans every edit of a
 * file on the source's own tree (so every position in a message is the source's), the planned splices
 * are applied by offset in one pass, the result is re-parsed and every edit checked in place; then the
 * release's new files are rendered. All problems are collected and reported together.
 */
import semver from "semver";
import { VFile } from "vfile";
import type { Doc } from "./anchor.ts";
import { collectErrors, pointOfOffset, SourceError, SourceErrors, sourceErrorsOf } from "./errors.ts";
import { addHookHandlers, HOOKS_FILE } from "./hook-handlers.ts";
import { markdownParser, parseMarkdown } from "./markdown.ts";
import remarkRelease, { askedBy, report, type PlannedEdit, type RenderedInsertion } from "./remark-release.ts";
import { rewritePhrases, type NewFile, type Release } from "./release.ts";
import { originOf } from "./release-loader.ts";
import { rewriteLabel } from "./rewrite.ts";
import { splice } from "./splice.ts";
import type { TextFile } from "./sources.ts";

/** One change made to a document, for the build report. `line` is in the released document. */
export interface AppliedEdit {
  file: string;
  line: number;
  action: "inserted" | "replaced" | "unchanged" | "not present";
  label: string;
  release: string;
}

/** The documents the release changed or created (plugin path to text), what changed, and the files it created. */
export interface ReleasedDocuments {
  documents: Map<string, string>;
  edits: AppliedEdit[];
  created: string[];
}

/** Renders a release template by name; returns its text and the file it came from. */
export type RenderTemplate = (template: string) => TextFile;

/** Returns the messages of a vfile as SourceErrors (each keeps its own file, which may be a template). */
function errorsOf(file: VFile): SourceError[] {
  return file.messages.map(
    (message) =>
      new SourceError(message.file || file.path, message.reason, message.line, {
        column: message.column,
        ruleId: message.ruleId,
        actual: message.actual,
      }),
  );
}

/**
 * Applies planned edits to `text` by offset, the last first. Throws SourceError `edit-overlap` when two
 * edits touch the same bytes (two edits at one point are applied in release order).
 */
export function spliceDocument(file: string, text: string, edits: PlannedEdit[]): string {
  const planned = edits
    .map((edit, order) => ({ edit, order }))
    .filter(({ edit }) => edit.splice)
    .sort((a, b) => (a.edit.splice?.start ?? 0) - (b.edit.splice?.start ?? 0) || a.order - b.order);
  for (let index = 1; index < planned.length; index++) {
    const previous = planned[index - 1]?.edit;
    const current = planned[index]?.edit;
    if (previous?.splice && current?.splice && current.splice.start < previous.splice.end) {
      throw new SourceError(file, `${current.label} and ${previous.label} (at ${previous.point.line}:${previous.point.column}) change the same text`, current.point.line, {
        column: current.point.column,
        ruleId: "edit-overlap",
        actual: current.label,
      });
    }
  }
  return planned.reverse().reduce((result, { edit }) => (edit.splice ? splice(result, edit.splice.start, edit.splice.end, edit.splice.insert) : result), text);
}

/**
 * The new files of `release` that would take the place of a file of the tree (`inTree`, at version
 * `from`) that no release added: a release adds files and never replaces one of the tree's own. A file
 * an earlier release of `releases` added may be replaced (a newer hook script), and so may the
 * release's own when it is applied again to a tree at its version (a built bundle).
 */
export function newFileClashes(release: Release, from: string, releases: Release[], inTree: (path: string) => boolean): SourceError[] {
  const added = new Set(releases.filter((other) => semver.lt(other.version, release.version) || semver.lte(other.version, from)).flatMap((other) => other.newFiles.map((file) => file.file)));
  return release.newFiles
    .filter((file) => inTree(file.file) && !added.has(file.file))
    .map((file) => newFileError(release, file, "the tree already has it: a release never replaces a file of the tree's own (change it with insertions or rewrites, or give the new file another name)"));
}

/**
 * The new files of `releases` at a path the build makes itself (`made`: the compiled runtime, the icon,
 * what Cursor reads), each a problem: the build's file would replace it without a word.
 */
export function newFilesTheBuildMakes(releases: Release[], made: ReadonlySet<string>): SourceError[] {
  return releases.flatMap((release) =>
    release.newFiles
      .filter((file) => made.has(file.file))
      .map((file) => newFileError(release, file, "the build makes that file itself (the compiled runtime, the icon, what Cursor reads): give the new file another name")),
  );
}

/** A new file of `release` that may not be added, `why` said after "release V adds FILE, but". */
function newFileError(release: Release, file: NewFile, why: string): SourceError {
  return askedBy(new SourceError(file.file, `release ${release.version} adds ${file.file}, but ${why}`, undefined, { ruleId: "new-file-exists", actual: file.file }), originOf(file));
}

/**
 * Applies `release` to the documents it edits: `documentOf(path)` returns a document's current text
 * (undefined when the tree has no such file; it may throw SourceError when the file cannot be read).
 * Throws SourceErrors listing every missing or ambiguous anchor, misplaced fragment and missing file.
 */
export function applyRelease(documentOf: (path: string) => TextFile | undefined, release: Release, render: RenderTemplate): ReleasedDocuments {
  const errors: SourceError[] = [];
  const edits: AppliedEdit[] = [];
  const released = new Map<string, string>();
  const collect = <T>(fn: () => T) => collectErrors(errors, fn);
  /** Renders an edit's template; a problem with it also says which release data asked for it. */
  const renderFor = (edit: object, template: string) => {
    try {
      return render(template);
    } catch (error) {
      const found = sourceErrorsOf(error);
      if (!found) throw error;
      throw new SourceErrors(found.map((one) => askedBy(one, originOf(edit))));
    }
  };

  const files = [...new Set([...release.rewrites, ...release.insertions].map((edit) => edit.file))];
  for (const path of files) {
    let unreadable = true;
    const source = collect(() => {
      const found = documentOf(path);
      unreadable = false;
      return found;
    });
    if (unreadable) continue;
    const all = [...release.rewrites, ...release.insertions].filter((edit) => edit.file === path);
    if (source === undefined && all.every((edit) => edit.optional)) {
      for (const edit of all) edits.push({ file: path, line: 0, action: "not present", label: "from" in edit ? rewriteLabel(rewritePhrases(edit)[0] ?? { from: "", to: "" }) : edit.template, release: release.version });
      continue;
    }
    if (source === undefined) {
      const first = all.find((edit) => !edit.optional);
      errors.push(askedBy(new SourceError(path, `release ${release.version} edits this file, but the source tree has no ${path}`, undefined, { ruleId: "source-missing", actual: path }), first && originOf(first)));
      continue;
    }
    const insertions: RenderedInsertion[] = [];
    for (const insertion of release.insertions.filter((candidate) => candidate.file === path)) {
      const fragment = collect(() => renderFor(insertion, insertion.template));
      if (fragment) insertions.push({ placement: insertion.placement, template: fragment.file, fragment: fragment.text, optional: insertion.optional, edit: insertion });
    }
    const vfile = new VFile({ path: source.file, value: source.text });
    const processor = markdownParser().use(remarkRelease, { rewrites: release.rewrites.filter((rewrite) => rewrite.file === path), insertions, origin: originOf });
    processor.runSync(processor.parse(vfile), vfile);
    const planned = vfile.data.releaseEdits ?? [];
    errors.push(...errorsOf(vfile));
    if (vfile.messages.length) continue;

    const text = collect(() => spliceDocument(source.file, source.text, planned));
    if (text === undefined) continue;
    const final: Doc = { file: `${source.file} (as released)`, text, tree: parseMarkdown(text) };
    for (const edit of planned) {
      try {
        const line = edit.check(final);
        const action = edit.absent ? "not present" : edit.splice ? (edit.replaces ? "replaced" : "inserted") : "unchanged";
        edits.push({ file: path, line, action, label: edit.label, release: release.version });
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        const where = error.line === undefined ? "" : ` (${error.line}:${error.column ?? 1} of the released text)`;
        report(vfile, new SourceError(source.file, `after splicing, ${edit.label} fails its check: ${error.reason}${where}`, edit.point.line, {
          column: edit.point.column,
          ruleId: "release-check",
          actual: edit.label,
        }));
      }
    }
    errors.push(...errorsOf(vfile));
    if (!vfile.messages.length && text !== source.text) released.set(path, text);
  }

  const created: string[] = [];
  if (release.hooks?.length) {
    const handlers = release.hooks;
    collect(() => {
      const source = documentOf(HOOKS_FILE);
      const { text, added } = addHookHandlers(source?.file ?? HOOKS_FILE, source?.text, handlers);
      handlers.forEach((handler, index) => {
        const line = pointOfOffset(text, Math.max(0, text.indexOf(JSON.stringify(handler.command)))).line;
        edits.push({ file: HOOKS_FILE, line, action: added[index] ? "inserted" : "unchanged", label: `${handler.event}${handler.matcher ? ` (${handler.matcher})` : ""} hook: ${handler.command}`, release: release.version });
      });
      if (!source) created.push(HOOKS_FILE);
      if (!source || text !== source.text) released.set(HOOKS_FILE, text);
    });
  }
  for (const newFile of release.newFiles) {
    collect(() => {
      const rendered = renderFor(newFile, newFile.template);
      released.set(newFile.file, rendered.text.replace(/\s*$/, "\n"));
      created.push(newFile.file);
    });
  }
  if (errors.length) throw new SourceErrors(errors);
  return { documents: released, edits, created };
}
