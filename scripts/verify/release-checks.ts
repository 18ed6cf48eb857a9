/** The release's changes in a bundle: each inserted section once, where the release puts it; each rewrite made; each new file present. */
import { SourceError } from "../../generator/errors.ts";
import { fragmentIdentity } from "../../generator/fragment.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { checkPlacement } from "../../generator/placement.ts";
import type { Release } from "../../generator/release.ts";
import { checkRewrite } from "../../generator/rewrite.ts";
import type { TextFile } from "../../generator/sources.ts";

/**
 * Checks `documents` (plugin path to file) against `release`, whose templates `render` renders;
 * `hasFile` tells whether the plugin holds a file that is not a document (a new program, say).
 * Returns one SourceError per missing, repeated or misplaced section, unapplied rewrite or missing file.
 */
export function checkRelease(
  documents: Map<string, TextFile>,
  release: Release,
  render: (template: string) => TextFile,
  hasFile: (path: string) => boolean = (path) => documents.has(path),
): SourceError[] {
  const problems: SourceError[] = [];
  const docOf = (path: string) => {
    const source = documents.get(path);
    return source ? { file: source.file, text: source.text, tree: parseMarkdown(source.text) } : null;
  };
  for (const insertion of release.insertions) {
    const doc = docOf(insertion.file);
    if (!doc) {
      problems.push(new SourceError(insertion.file, `missing: release ${release.version} inserts into it`));
      continue;
    }
    const fragment = render(insertion.template);
    const checked = checkPlacement(doc, insertion.placement, fragmentIdentity(fragment.file, insertion.placement, fragment.text));
    if (!checked.ok) problems.push(checked.error);
  }
  for (const rewrite of release.rewrites) {
    const doc = docOf(rewrite.file);
    const checked = doc ? checkRewrite(doc, rewrite) : { ok: false as const, error: new SourceError(rewrite.file, "missing") };
    if (!checked.ok) problems.push(checked.error);
  }
  for (const newFile of release.newFiles) {
    if (!hasFile(newFile.file)) problems.push(new SourceError(newFile.file, `missing: release ${release.version} adds it`));
  }
  return problems;
}
