/**
 * Applying one insertion to a document: the rendered fragment goes where its placement says, or, if
 * an earlier application already put it there, replaces that copy in place.
 */
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError, lineOfOffset } from "./errors.ts";
import { fragmentIdentity } from "./fragment.ts";
import { findListItem, findTable, leadParagraphs, rowsNamed, sectionsNamed } from "./locate.ts";
import { offsets, sectionRange } from "./markdown.ts";
import type { Placement } from "./release.ts";
import { appendBlock, indentContinuation, lineEnding, normalizeFragment, splice } from "./splice.ts";

/** The outcome of one edit: the new text, the 1-based line where the edit starts, and what happened. */
export interface EditResult {
  text: string;
  line: number;
  action: "inserted" | "replaced" | "unchanged";
}

/**
 * Inserts `fragment` (rendered from `template`) into `doc` at `placement`, or replaces the copy an
 * earlier application left. Only the inserted or replaced bytes change; the fragment takes the
 * document's line endings. Throws SourceError when the anchor is missing or ambiguous, when the
 * fragment already appears more than once, or when the fragment has the wrong shape for the placement.
 */
export function applyInsertion(doc: Doc, placement: Placement, template: string, fragment: string): EditResult {
  const eol = lineEnding(doc.text);
  const block = normalizeFragment(fragment, eol);
  const identity = fragmentIdentity(template, placement, block);
  const edit = (start: number, end: number, insert: string, action: EditResult["action"], lineAt = start): EditResult => {
    const text = splice(doc.text, start, end, insert);
    return { text, line: lineOfOffset(text, lineAt), action: text === doc.text ? "unchanged" : action };
  };

  if (placement.kind === "inListItem") {
    const item = findListItem(doc, placement.section, placement.item);
    const content = item.children[0];
    const prefix = " ".repeat((content?.position?.start.column ?? 1) - 1);
    const existing = leadParagraphs(item, identity.text);
    if (existing.length > 1) throw duplicate(doc, identity.text, existing.map((node) => node.position?.start.line ?? 0));
    const body = indentContinuation(block, prefix, eol);
    const [previous] = existing;
    if (previous) {
      const { start, end } = offsets(previous);
      return edit(start, end, body, "replaced");
    }
    const end = offsets(item).end;
    // When text follows on the very next line (the next item), keep a blank line between it and the note.
    const textOnNextLine = doc.text.startsWith(eol, end) && !doc.text.startsWith(eol + eol, end) && end + eol.length < doc.text.length;
    return edit(end, end, eol + eol + prefix + body + (textOnNextLine ? eol : ""), "inserted", end + 2 * eol.length);
  }

  if (placement.kind === "tableRow") {
    const table = findTable(doc, placement.section);
    const existing = rowsNamed(table, identity.text);
    if (existing.length > 1) throw duplicate(doc, identity.text, existing.map((row) => row.position?.start.line ?? 0));
    const [previous] = existing;
    if (previous) {
      const { start, end } = offsets(previous);
      return edit(start, end, block, "replaced");
    }
    const end = offsets(table).end;
    return edit(end, end, eol + block, "inserted", end + eol.length);
  }

  if (identity.kind !== "section") throw new Error(`unexpected fragment identity ${identity.kind}`);
  const anchor = placement.kind === "endOfDocument" ? undefined : resolveHeading(doc, placement.heading, placement.kind);
  const existing = sectionsNamed(doc, identity);
  if (existing.length > 1) throw duplicate(doc, identity.text, existing.map((heading) => heading.line));
  const [previous] = existing;
  if (previous) {
    const range = sectionRange(doc.tree, previous, doc.text.length);
    const atEnd = range.end === doc.text.length;
    return edit(range.start, range.end, block + (atEnd ? eol : eol + eol), "replaced");
  }
  const at = placement.kind === "before" && anchor ? anchor.start : anchor ? sectionRange(doc.tree, anchor, doc.text.length).end : doc.text.length;
  if (at === doc.text.length) {
    const insert = appendBlock(doc.text, block, eol);
    return edit(at, at, insert, "inserted", at + insert.indexOf(block));
  }
  return edit(at, at, block + eol + eol, "inserted");
}

function duplicate(doc: Doc, text: string, lines: number[]): SourceError {
  return new SourceError(doc.file, `"${text}" appears ${lines.length} times (lines ${lines.join(", ")}); remove the extra copies`, lines[1]);
}
