/**
 * Markdown as a syntax tree with exact source offsets: the parser every anchor, check and splice
 * relies on. One unified processor (remark-parse with GFM and YAML frontmatter) parses every document;
 * frontmatter is its own node (`yaml`), fenced and indented code are `code` nodes and raw HTML is
 * `html`, so text inside them can never be mistaken for a heading or a phrase to rewrite.
 */
import type { Heading, Nodes, Root } from "mdast";
import { toString } from "mdast-util-to-string";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkStringify from "remark-stringify";
import { unified } from "unified";

/** A heading of a document: its depth, plain text, 1-based line and column, and source offsets. */
export interface HeadingInfo {
  depth: number;
  text: string;
  line: number;
  column: number;
  start: number;
  end: number;
  node: Heading;
}

/** The parser of plugin markdown: CommonMark, GFM (tables, task lists) and YAML frontmatter. */
export const markdownParser = unified().use(remarkParse).use(remarkFrontmatter, ["yaml"]).use(remarkGfm).freeze();

/** Parses markdown (GFM, YAML frontmatter) into an mdast tree whose positions are offsets into `text`. */
export function parseMarkdown(text: string): Root {
  return markdownParser.parse(text);
}

/**
 * Serialises nodes the engine builds itself (never a whole document): e.g. a table row in the host
 * table's style. `options` are remark-stringify's.
 */
export function stringifyMarkdown(tree: Root, options: Record<string, unknown> = {}): string {
  return unified().use(remarkStringify, options).use(remarkGfm, options).stringify(tree);
}

/** Returns the start and end offsets of a node; throws if the parser gave it no position. */
export function offsets(node: Nodes): { start: number; end: number } {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) throw new Error(`mdast ${node.type} node has no position`);
  return { start, end };
}

/** Lists the headings of a tree in document order (top-level blocks only: not headings quoted in lists or block quotes). */
export function listHeadings(tree: Root): HeadingInfo[] {
  return tree.children
    .filter((node): node is Heading => node.type === "heading")
    .map((node) => ({
      depth: node.depth,
      text: toString(node).trim(),
      line: node.position?.start.line ?? 0,
      column: node.position?.start.column ?? 1,
      ...offsets(node),
      node,
    }));
}

/**
 * Returns the source range of a section. A section is a heading and everything up to the next
 * heading of the same or lower depth (or the end of the document); its end is that next heading's
 * start offset.
 */
export function sectionRange(tree: Root, heading: HeadingInfo, textLength: number): { start: number; end: number } {
  const next = listHeadings(tree).find((other) => other.start > heading.start && other.depth <= heading.depth);
  return { start: heading.start, end: next ? next.start : textLength };
}

/** Returns the top-level nodes of a tree that lie inside [start, end). */
export function nodesWithin(tree: Root, range: { start: number; end: number }): Root["children"] {
  return tree.children.filter((node) => {
    const { start, end } = offsets(node);
    return start >= range.start && end <= range.end;
  });
}

/** Returns the source ranges of code, inline code and HTML nodes: text where phrases are never matched. */
export function literalRanges(tree: Root): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  const visit = (node: Nodes): void => {
    if (node.type === "code" || node.type === "inlineCode" || node.type === "html" || node.type === "yaml") {
      ranges.push(offsets(node));
      return;
    }
    if ("children" in node) for (const child of node.children) visit(child as Nodes);
  };
  visit(tree);
  return ranges;
}

/** Returns the plain text of any node (text of its descendants, without markup). */
export function plainText(node: Nodes): string {
  return toString(node);
}
