/**
 * The placement kinds, each defined once: how it finds its anchor in a document (locate), how it finds
 * the copy an earlier application left (recognise), what it changes in the text (splice), and how a
 * released document is checked to hold the fragment exactly there (check). The build runs locate,
 * recognise and splice on the source and check on the re-parsed result; `npm run verify` runs check.
 */
import type { ListItem, Nodes, RootContent, Table } from "mdast";
import { resolveHeading, type Doc } from "./anchor.ts";
import { SourceError } from "./errors.ts";
import type { FragmentIdentity } from "./fragment.ts";
import { findBlock, findListItem, findSection, findTable, isInserted, leadOf, leadParagraphs, rowsNamed, type Section } from "./locate.ts";
import { listHeadings, offsets, plainText, sectionRange, type HeadingInfo } from "./markdown.ts";
import { describeHeading, type Placement } from "./release.ts";
import { formatRow } from "./table-row.ts";
import { appendBlock, indentContinuation, visualIndent } from "./splice.ts";

/** What a placement needs besides the document: the bold leads and section headings the release inserts into this file. */
export interface PlacementContext {
  leads: ReadonlySet<string>;
  sections?: ReadonlySet<string>;
}

/** The context of one document's placements, from the identities of the fragments the release inserts into it (null: a fragment with none). */
export function placementContext(identities: ReadonlyArray<FragmentIdentity | null | undefined>): PlacementContext {
  return {
    leads: new Set(identities.flatMap((identity) => (identity?.kind === "lead" ? [identity.text] : []))),
    sections: new Set(identities.flatMap((identity) => (identity?.kind === "section" ? [identity.text] : []))),
  };
}

/** A replacement of [start, end) of the source text by `insert`. */
export interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** Where an anchor is in the source, for messages. */
export interface Point {
  line: number;
  column: number;
}

/** An existing copy of the fragment: its source range, and the indentation of its continuation lines. */
interface Existing {
  start: number;
  end: number;
  indent: string;
  atEnd: boolean;
}

type Kind<K extends Placement["kind"], A> = {
  locate(doc: Doc, placement: Extract<Placement, { kind: K }>, context: PlacementContext): A;
  point(anchor: A, doc: Doc): Point;
  recognise(doc: Doc, anchor: A, identity: FragmentIdentity): Existing | null;
  splice(doc: Doc, anchor: A, identity: FragmentIdentity, block: string, eol: string): Splice;
  check(doc: Doc, placement: Extract<Placement, { kind: K }>, identity: FragmentIdentity, context: PlacementContext): number;
};

function pointOf(node: Nodes | HeadingInfo | undefined): Point {
  if (node && "line" in node) return { line: node.line, column: node.column };
  return { line: node?.position?.start.line ?? 1, column: node?.position?.start.column ?? 1 };
}

function nodeLine(node: Nodes | undefined): number {
  return node?.position?.start.line ?? 0;
}

/** Headings of `doc` that open a section fragment with this identity. */
function sectionsNamed(doc: Doc, identity: Extract<FragmentIdentity, { kind: "section" }>): HeadingInfo[] {
  return listHeadings(doc.tree).filter((heading) => heading.depth === identity.depth && heading.text === identity.text);
}

function duplicate(doc: Doc, label: string, nodes: Array<Nodes | HeadingInfo>): SourceError {
  const points = nodes.map(pointOf);
  const second = points[1] ?? points[0];
  return new SourceError(doc.file, `${label} appears ${nodes.length} times (at ${points.map((p) => `${p.line}:${p.column}`).join(", ")}); remove the extra copies`, second?.line, {
    column: second?.column,
    ruleId: "fragment-duplicate",
    actual: label,
  });
}

function misplaced(doc: Doc, label: string, at: Point, expected: string): SourceError {
  return new SourceError(doc.file, `${label} is at ${at.line}:${at.column}, but belongs ${expected}`, at.line, { column: at.column, ruleId: "fragment-misplaced", actual: label });
}

function count(doc: Doc, label: string, found: number, where: string): SourceError {
  return new SourceError(doc.file, `${label} should appear exactly once ${where}, found ${found}`, undefined, { ruleId: "fragment-count", actual: label });
}

function labelOf(identity: FragmentIdentity): string {
  if (identity.kind === "section") return `\`${"#".repeat(identity.depth)} ${identity.text}\``;
  if (identity.kind === "lead") return `**${identity.text}**`;
  return `table row "${identity.text}"`;
}

// --- shared by the kinds that take a section or a paragraph at a top-level position -------------

/** The one section with the fragment's heading, anywhere in the document (or null). */
function existingSection(doc: Doc, identity: Extract<FragmentIdentity, { kind: "section" }>): Existing | null {
  const found = sectionsNamed(doc, identity);
  if (found.length > 1) throw duplicate(doc, labelOf(identity), found);
  const [heading] = found;
  if (!heading) return null;
  const range = sectionRange(doc.tree, heading, doc.text.length);
  return { ...range, indent: "", atEnd: range.end === doc.text.length };
}

/** A paragraph with the fragment's lead, if it is `node`. */
function existingParagraph(doc: Doc, node: Nodes | undefined, identity: FragmentIdentity): Existing | null {
  if (!node || identity.kind !== "lead" || leadOf(node) !== identity.text) return null;
  const { start, end } = offsets(node);
  return { start, end, indent: " ".repeat(pointOf(node).column - 1), atEnd: end === doc.text.length };
}

/** Replaces an existing copy, or inserts at `at` (a line start, or the end of the document). */
function spliceBlock(doc: Doc, existing: Existing | null, at: number, block: string, eol: string, identity: FragmentIdentity): Splice {
  if (existing) {
    if (identity.kind === "section") return { start: existing.start, end: existing.end, insert: block + (existing.atEnd ? eol : eol + eol) };
    return { start: existing.start, end: existing.end, insert: indentContinuation(block, existing.indent, eol) };
  }
  if (at >= doc.text.length) return { start: doc.text.length, end: doc.text.length, insert: appendBlock(doc.text, block, eol) };
  return { start: at, end: at, insert: block + eol + eol };
}

/** Inserts `block` as a new block after a node ending at `end` (indented by `indent`), or replaces an existing copy. */
function spliceAfter(doc: Doc, existing: Existing | null, end: number, indent: string, block: string, eol: string): Splice {
  if (existing) return { start: existing.start, end: existing.end, insert: indentContinuation(block, existing.indent, eol) };
  const text = doc.text;
  // When text follows on the very next line, keep a blank line between it and the new paragraph.
  const textOnNextLine = text.startsWith(eol, end) && !text.startsWith(eol + eol, end) && end + eol.length < text.length;
  return { start: end, end, insert: eol + eol + indent + indentContinuation(block, indent, eol) + (textOnNextLine ? eol : "") };
}

/** Where the fragment with `identity` is in `doc`: its top-level node index and, for a section, the heading after it. */
function topLevelCopy(doc: Doc, identity: FragmentIdentity, scope: RootContent[]): { node: RootContent; index: number } {
  if (identity.kind === "section") {
    const found = sectionsNamed(doc, identity);
    const [heading] = found;
    if (found.length !== 1 || !heading) throw count(doc, labelOf(identity), found.length, "in the document");
    return { node: heading.node, index: doc.tree.children.indexOf(heading.node) };
  }
  const found = leadParagraphs(scope, identity.kind === "lead" ? identity.text : "");
  const [paragraph] = found;
  if (found.length !== 1 || !paragraph) throw count(doc, labelOf(identity), found.length, "in its section");
  return { node: paragraph, index: doc.tree.children.indexOf(paragraph) };
}

/** The top-level node that follows the fragment (for a section: the heading after its own headings). */
function nodeAfterCopy(doc: Doc, identity: FragmentIdentity, index: number): RootContent | undefined {
  if (identity.kind !== "section") return doc.tree.children[index + 1];
  const headings = listHeadings(doc.tree);
  const first = headings.findIndex((heading) => heading.node === doc.tree.children[index]);
  return headings[first + identity.headings]?.node;
}

/**
 * The first top-level node from `index` on that no release inserted: paragraphs with a lead of
 * `context` and sections with a heading of `context` (their whole range) are passed over, so a
 * fragment another release put at the same anchor may stand between a fragment and its anchor.
 */
function nextOwn(doc: Doc, index: number, context: PlacementContext): RootContent | undefined {
  let next = doc.tree.children[index];
  while (next) {
    if (next.type === "heading" && context.sections?.has(plainText(next).trim())) {
      const { end } = sectionRange(doc.tree, listHeadings(doc.tree).find((candidate) => candidate.node === next) as HeadingInfo, doc.text.length);
      next = doc.tree.children.find((node) => offsets(node).start >= end);
    } else if (isInserted(next, context.leads)) {
      next = doc.tree.children[doc.tree.children.indexOf(next) + 1];
    } else {
      return next;
    }
  }
  return undefined;
}

/** The index of the top-level node after the fragment (for a section: the heading after its own headings); the children's length when nothing follows. */
function indexAfterCopy(doc: Doc, identity: FragmentIdentity, index: number): number {
  const next = nodeAfterCopy(doc, identity, index);
  return next ? doc.tree.children.indexOf(next) : doc.tree.children.length;
}

// --- the kinds -------------------------------------------------------------------------------------

const before: Kind<"before", { heading: HeadingInfo; previous: RootContent | undefined }> = {
  locate(doc, placement) {
    const heading = resolveHeading(doc, placement.heading, "before");
    return { heading, previous: doc.tree.children[doc.tree.children.indexOf(heading.node) - 1] };
  },
  point: (anchor) => pointOf(anchor.heading),
  recognise: (doc, anchor, identity) => (identity.kind === "section" ? existingSection(doc, identity) : existingParagraph(doc, anchor.previous, identity)),
  splice: (doc, anchor, identity, block, eol) => spliceBlock(doc, before.recognise(doc, anchor, identity), anchor.heading.start, block, eol, identity),
  check(doc, placement, identity, context) {
    const heading = resolveHeading(doc, placement.heading, "before");
    const index = doc.tree.children.indexOf(heading.node);
    // Other fragments the releases put before the same heading may stand between (in release order).
    const copy = topLevelCopy(doc, identity, identity.kind === "lead" ? leadParagraphs(doc.tree.children.slice(0, index), identity.text) : []);
    const next = nextOwn(doc, indexAfterCopy(doc, identity, copy.index), context);
    if (next !== heading.node) throw misplaced(doc, labelOf(identity), pointOf(copy.node), `directly before \`${describeHeading(placement.heading)}\` (${heading.line}:${heading.column})`);
    return nodeLine(copy.node);
  },
};

const endOfSection: Kind<"endOfSection", Section> = {
  locate: (doc, placement) => findSection(doc, placement.heading, "end of section"),
  point: (section) => pointOf(section.heading),
  recognise: (doc, section, identity) => (identity.kind === "section" ? existingSection(doc, identity) : existingParagraph(doc, section.nodes.at(-1), identity)),
  splice: (doc, section, identity, block, eol) => spliceBlock(doc, endOfSection.recognise(doc, section, identity), section.range.end, block, eol, identity),
  check(doc, placement, identity, context) {
    const section = findSection(doc, placement.heading, "end of section");
    const expected = `at the end of section \`${describeHeading(placement.heading)}\` (${section.heading.line}:${section.heading.column})`;
    if (identity.kind !== "section") {
      // Only what other releases put at the end of the same section may follow it.
      const copy = topLevelCopy(doc, identity, section.nodes);
      const after = nextOwn(doc, copy.index + 1, context);
      if (after && offsets(after).start < section.range.end) throw misplaced(doc, labelOf(identity), pointOf(copy.node), expected);
      return nodeLine(copy.node);
    }
    // A section fragment may be a sibling of the anchor (same depth) or a subsection: it follows the
    // anchor with only deeper headings between, and what follows it closes the anchor's section.
    const copy = topLevelCopy(doc, identity, []);
    const headings = listHeadings(doc.tree);
    const anchorIndex = headings.findIndex((heading) => heading.node === section.heading.node);
    const first = headings.findIndex((heading) => heading.node === copy.node);
    const next = nextOwn(doc, indexAfterCopy(doc, identity, copy.index), context);
    // What follows it (past what other releases put there) is a heading or nothing.
    const after = headings.find((heading) => heading.node === next);
    const inside = first > anchorIndex && headings.slice(anchorIndex + 1, first).every((heading) => heading.depth > section.heading.depth);
    const closes = !after || after.depth <= section.heading.depth;
    if (!inside || !closes) throw misplaced(doc, labelOf(identity), pointOf(copy.node), expected);
    return nodeLine(copy.node);
  },
};

const endOfDocument: Kind<"endOfDocument", null> = {
  locate: () => null,
  point: () => ({ line: 1, column: 1 }),
  recognise: (doc, _anchor, identity) => (identity.kind === "section" ? existingSection(doc, identity) : existingParagraph(doc, doc.tree.children.at(-1), identity)),
  splice: (doc, anchor, identity, block, eol) => spliceBlock(doc, endOfDocument.recognise(doc, anchor, identity), doc.text.length, block, eol, identity),
  check(doc, _placement, identity, context) {
    const copy = topLevelCopy(doc, identity, identity.kind === "lead" ? leadParagraphs(doc.tree.children, identity.text) : []);
    const next = nextOwn(doc, indexAfterCopy(doc, identity, copy.index), context);
    if (next) throw misplaced(doc, labelOf(identity), pointOf(copy.node), `at the end of the document, but something follows it at ${pointOf(next).line}:${pointOf(next).column}`);
    return nodeLine(copy.node);
  },
};

const afterBlock: Kind<"afterBlock", { section: Section; block: RootContent; next: RootContent | undefined }> = {
  locate(doc, placement, context) {
    const found = findBlock(doc, placement.section, placement.block, context.leads);
    return { ...found, next: doc.tree.children[doc.tree.children.indexOf(found.block) + 1] };
  },
  point: (anchor) => pointOf(anchor.block),
  recognise: (doc, anchor, identity) => existingParagraph(doc, anchor.next, identity),
  splice: (doc, anchor, identity, block, eol) => spliceAfter(doc, afterBlock.recognise(doc, anchor, identity), offsets(anchor.block).end, "", block, eol),
  check(doc, placement, identity, context) {
    const { block } = findBlock(doc, placement.section, placement.block, context.leads);
    const text = identity.kind === "lead" ? identity.text : "";
    // Paragraphs other releases put after the same block may stand between (the later first).
    let index = doc.tree.children.indexOf(block) + 1;
    while (leadOf(doc.tree.children[index]) !== text && isInserted(doc.tree.children[index], context.leads)) index++;
    const next = doc.tree.children[index];
    if (leadOf(next) !== text) {
      const elsewhere = leadParagraphs(doc.tree.children, text)[0];
      if (elsewhere) throw misplaced(doc, labelOf(identity), pointOf(elsewhere), `directly after the ${placement.block.type} at ${pointOf(block).line}:${pointOf(block).column}`);
      throw count(doc, labelOf(identity), 0, `after the ${placement.block.type} at ${pointOf(block).line}:${pointOf(block).column}`);
    }
    return nodeLine(next);
  },
};

const inListItem: Kind<"inListItem", { section: Section; item: ListItem }> = {
  locate: (doc, placement, context) => findListItem(doc, placement.section, placement.item, context.leads),
  point: (anchor) => pointOf(anchor.item),
  recognise(doc, anchor, identity) {
    const found = leadParagraphs(anchor.item.children, identity.kind === "lead" ? identity.text : "");
    if (found.length > 1) throw duplicate(doc, labelOf(identity), found);
    return existingParagraph(doc, found[0], identity);
  },
  splice(doc, anchor, identity, block, eol) {
    // The item's content column, tabs after the marker expanded (unist columns count a tab as one).
    const first = anchor.item.children[0];
    const indent = " ".repeat(first ? visualIndent(doc.text, offsets(first).start) : pointOf(first).column - 1);
    return spliceAfter(doc, inListItem.recognise(doc, anchor, identity), offsets(anchor.item).end, indent, block, eol);
  },
  check(doc, placement, identity, context) {
    const { item } = findListItem(doc, placement.section, placement.item, context.leads);
    const found = leadParagraphs(item.children, identity.kind === "lead" ? identity.text : "");
    const [paragraph] = found;
    if (found.length !== 1 || !paragraph) throw count(doc, labelOf(identity), found.length, `in the list item at ${pointOf(item).line}:${pointOf(item).column}`);
    if (!item.children.slice(item.children.indexOf(paragraph) + 1).every((child) => isInserted(child, context.leads))) throw misplaced(doc, labelOf(identity), pointOf(paragraph), "as the last paragraph of its list item");
    return nodeLine(paragraph);
  },
};

const tableRow: Kind<"tableRow", { section: Section; table: Table }> = {
  locate: (doc, placement) => findTable(doc, placement.section),
  point: (anchor) => pointOf(anchor.table),
  recognise(doc, anchor, identity) {
    const found = rowsNamed(anchor.table, identity.text);
    if (found.length > 1) throw duplicate(doc, labelOf(identity), found);
    const [row] = found;
    return row ? { ...offsets(row), indent: "", atEnd: false } : null;
  },
  splice(doc, anchor, identity, block, eol) {
    const row = identity.kind === "row" ? formatRow(doc.text, anchor.table, identity.cells, block) : block;
    const existing = tableRow.recognise(doc, anchor, identity);
    if (existing) return { start: existing.start, end: existing.end, insert: row };
    const { end } = offsets(anchor.table);
    return { start: end, end, insert: eol + row };
  },
  check(doc, placement, identity) {
    const { table } = findTable(doc, placement.section);
    const found = rowsNamed(table, identity.text);
    if (found.length !== 1) throw count(doc, labelOf(identity), found.length, `in the table at ${pointOf(table).line}:${pointOf(table).column}`);
    return nodeLine(found[0]);
  },
};

/** Every placement kind, by name. */
const KINDS = { before, endOfSection, endOfDocument, afterBlock, inListItem, tableRow } as const;

/** A placement located in a document: where its anchor is, and the splice that applies the fragment. */
export interface Located {
  placement: Placement;
  point: Point;
  splice: Splice;
  /** True when the document already held a copy (the splice replaces it). */
  replaces: boolean;
}

/**
 * Locates `placement` in `doc` and returns the splice that puts `block` (the normalised fragment with
 * `identity`) there, replacing the copy an earlier application left. Throws SourceError
 * (`anchor-missing`, `anchor-ambiguous`, `fragment-duplicate`).
 */
export function locatePlacement(doc: Doc, placement: Placement, identity: FragmentIdentity, block: string, eol: string, context: PlacementContext): Located {
  const kind = KINDS[placement.kind] as unknown as Kind<Placement["kind"], unknown>;
  const anchor = kind.locate(doc, placement as never, context);
  const existing = kind.recognise(doc, anchor, identity);
  return { placement, point: kind.point(anchor, doc), splice: kind.splice(doc, anchor, identity, block, eol), replaces: existing !== null };
}

/**
 * Checks that `doc` holds the fragment with `identity` exactly once and exactly where `placement`
 * says. Returns its 1-based line; throws SourceError (`fragment-count`, `fragment-misplaced`, or an
 * anchor error) with positions in `doc`.
 */
export function checkPlacement(doc: Doc, placement: Placement, identity: FragmentIdentity, context: PlacementContext): number {
  const kind = KINDS[placement.kind] as unknown as Kind<Placement["kind"], unknown>;
  return kind.check(doc, placement as never, identity, context);
}

/** True when the error means "this alternative's anchor is not in the document", so the next may be tried. */
export function isMissingAnchor(error: unknown): boolean {
  return error instanceof SourceError && error.ruleId === "anchor-missing";
}
