/**
 * What a rendered fragment is, read from its own markdown: a section (it opens with its heading), a
 * paragraph opening with bold text (its "lead", e.g. **MLOps (v1.3.0):**), or one table row (its first
 * cell). That identity is how a re-release finds the copy an earlier one inserted.
 */
import type { Heading, Paragraph } from "mdast";
import { SourceError } from "./errors.ts";
import { parseMarkdown, plainText } from "./markdown.ts";
import type { Placement } from "./release.ts";
import { parseRow } from "./table-row.ts";

/** The identity of a fragment. */
export type FragmentIdentity =
  /** A section: its opening heading, plus how many headings the fragment holds in all. */
  | { kind: "section"; depth: number; text: string; headings: number }
  /** A paragraph opening with bold text (e.g. "**MLOps (v1.3.0):** ..."). */
  | { kind: "lead"; text: string }
  /** A table row, by the plain text of its first cell; `cells` are the plain texts of all its cells. */
  | { kind: "row"; text: string; cells: string[] };

/** The fragment kinds each placement kind takes. */
export const ACCEPTED: Record<Placement["kind"], Array<FragmentIdentity["kind"]>> = {
  before: ["section", "lead"],
  endOfSection: ["section", "lead"],
  endOfDocument: ["section", "lead"],
  afterBlock: ["lead"],
  inListItem: ["lead"],
  tableRow: ["row"],
};

/** Reads the identity of a fragment from its markdown; null when it has none of the three shapes. */
export function readIdentity(fragment: string): FragmentIdentity | null {
  const text = fragment.trim();
  if (/^\|.*\|$/.test(text) && !text.includes("\n")) {
    const row = parseRow(text, (text.match(/(?<!\\)\|/g) ?? []).length - 1);
    if (row?.children[0]) return { kind: "row", text: plainText(row.children[0]).trim(), cells: row.children.map((cell) => plainText(cell).trim()) };
    return null;
  }
  const tree = parseMarkdown(text);
  const [first] = tree.children;
  if (first?.type === "heading") {
    const headings = tree.children.filter((node) => node.type === "heading") as Heading[];
    if (!headings.slice(1).every((other) => other.depth > first.depth)) return null;
    return { kind: "section", depth: first.depth, text: plainText(first).trim(), headings: headings.length };
  }
  const lead = first?.type === "paragraph" ? (first as Paragraph).children[0] : undefined;
  if (tree.children.length === 1 && lead?.type === "strong") return { kind: "lead", text: plainText(lead).trim() };
  return null;
}

/**
 * Returns the identity of the rendered `fragment` (from `template`, named in errors) and checks that
 * `placement` takes it. Throws SourceError (ruleId `fragment-shape`) when it has no identity or the
 * wrong one: a section's inner headings must be deeper than its first.
 */
export function fragmentIdentity(template: string, placement: Placement, fragment: string): FragmentIdentity {
  const identity = readIdentity(fragment);
  const accepted = ACCEPTED[placement.kind];
  if (identity && accepted.includes(identity.kind)) return identity;
  const shapes: Record<FragmentIdentity["kind"], string> = {
    section: "a section opening with its own heading (inner headings deeper)",
    lead: "one paragraph opening with bold text, e.g. **MLOps (v1.3.0):** ...",
    row: "a single table row like | a | b |",
  };
  const found = identity ? shapes[identity.kind] : "none of these shapes";
  throw new SourceError(template, `a fragment placed ${placement.kind} must be ${accepted.map((kind) => shapes[kind]).join(", or ")}; found ${found}`, 1, {
    column: 1,
    ruleId: "fragment-shape",
    actual: fragment.trim().split("\n")[0],
  });
}

/** A label for a fragment in reports: its heading, bold lead or first cell. */
export function labelOf(identity: FragmentIdentity): string {
  if (identity.kind === "section") return `${"#".repeat(identity.depth)} ${identity.text}`;
  if (identity.kind === "lead") return `**${identity.text}**`;
  return `table row ${identity.text}`;
}
