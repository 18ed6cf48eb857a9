/**
 * Applying a release's markdown changes to the plugin's documents: rewrites, then insertions, file by
 * file, re-parsing after every splice; then every change is checked on the final text, and the
 * release's new files are added. All problems are collected and reported together.
 */
import type { Doc } from "./anchor.ts";
import { collectErrors, SourceError, SourceErrors } from "./errors.ts";
import { fragmentIdentity, type FragmentIdentity } from "./fragment.ts";
import { readFrontmatter } from "./frontmatter.ts";
import { applyInsertion, type EditResult } from "./insert.ts";
import { parseMarkdown } from "./markdown.ts";
import { checkPlacement, type PlacementCheck } from "./placement.ts";
import type { Release } from "./release.ts";
import { applyRewrite, checkRewrite } from "./rewrite.ts";
import type { TextFile } from "./sources.ts";

/** One change made to a document, for the build report. `line` is in the released document. */
export interface AppliedEdit {
  file: string;
  line: number;
  action: EditResult["action"];
  label: string;
}

/** The released documents (plugin path to text), what changed, and the files the release created. */
export interface ReleasedDocuments {
  documents: Map<string, string>;
  edits: AppliedEdit[];
  created: string[];
}

/** Renders a release template by name; returns its text and the file it came from. */
export type RenderTemplate = (template: string) => TextFile;

/**
 * Applies `release` to `documents` (plugin path to source file). Throws SourceErrors listing every
 * missing or ambiguous anchor, misplaced fragment, unparseable frontmatter and missing file found.
 */
export function applyRelease(documents: Map<string, TextFile>, release: Release, render: RenderTemplate): ReleasedDocuments {
  const errors: SourceError[] = [];
  const edits: AppliedEdit[] = [];
  const released = new Map([...documents].map(([path, source]) => [path, source.text]));
  const collect = (fn: () => void) => collectErrors(errors, fn);

  const files = [...new Set([...release.rewrites, ...release.insertions].map((edit) => edit.file))];
  for (const path of files) {
    const source = documents.get(path);
    if (!source) {
      errors.push(new SourceError(path, `release ${release.version} edits this file, but the source tree has no ${path}`));
      continue;
    }
    const parse = (text: string): Doc => ({ file: source.file, text, tree: parseMarkdown(text) });
    const applied: Array<{ label: string; action: EditResult["action"]; check: (final: Doc) => PlacementCheck }> = [];
    let text = source.text;
    for (const rewrite of release.rewrites.filter((candidate) => candidate.file === path)) {
      collect(() => {
        const result = applyRewrite(parse(text), rewrite);
        text = result.text;
        applied.push({ label: `"${rewrite.from}" -> "${rewrite.to}"`, action: result.action, check: (final) => checkRewrite(final, rewrite) });
      });
    }
    for (const { placement, template } of release.insertions.filter((candidate) => candidate.file === path)) {
      collect(() => {
        const fragment = render(template);
        const identity = fragmentIdentity(fragment.file, placement, fragment.text);
        const result = applyInsertion(parse(text), placement, fragment.file, fragment.text);
        text = result.text;
        applied.push({ label: labelOf(identity), action: result.action, check: (final) => checkPlacement(final, placement, identity) });
      });
    }
    const final = parse(text);
    for (const { label, action, check } of applied) {
      const checked = check(final);
      if (checked.ok) edits.push({ file: path, line: checked.line, action, label });
      else errors.push(checked.error);
    }
    released.set(path, text);
  }

  const created: string[] = [];
  const origins = new Map([...documents].map(([path, source]) => [path, source.file]));
  for (const newFile of release.newFiles) {
    collect(() => {
      const rendered = render(newFile.template);
      released.set(newFile.file, rendered.text.replace(/\s*$/, "\n"));
      origins.set(newFile.file, rendered.file);
      created.push(newFile.file);
    });
  }
  for (const [path, text] of released) {
    if (path !== "README.md") collect(() => readFrontmatter(origins.get(path) ?? path, text));
  }
  if (errors.length) throw new SourceErrors(errors);
  return { documents: released, edits, created };
}

function labelOf(identity: FragmentIdentity): string {
  if (identity.kind === "section") return `${"#".repeat(identity.depth)} ${identity.text}`;
  if (identity.kind === "lead") return `**${identity.text}**`;
  return `table row ${identity.text}`;
}
