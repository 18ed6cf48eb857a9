/**
 * The shape of a release: data only. The engine applies any value of this type; what 1.3.0 changes
 * lives in releases/.
 */

/** A heading named by depth and text: the exact plain text, or a pattern tested against it. */
export interface HeadingRef {
  depth: number;
  text: string | RegExp;
}

/** Where a fragment goes. The fragment's own identity (its heading, lead or first cell) makes re-application replace it. */
export type Placement =
  /** Directly before the heading. The fragment starts with a heading. */
  | { kind: "before"; heading: HeadingRef }
  /** At the end of the heading's section. The fragment starts with a heading. */
  | { kind: "endOfSection"; heading: HeadingRef }
  /** At the end of the document. The fragment starts with a heading. */
  | { kind: "endOfDocument" }
  /** As the last paragraph of the one top-level list item of the section whose text matches `item`. The fragment is one paragraph opening with bold text. */
  | { kind: "inListItem"; section: HeadingRef; item: RegExp }
  /** As a row of the one table in the section; the fragment is a table row whose first cell identifies it. */
  | { kind: "tableRow"; section: HeadingRef };

/** A rendered template inserted into an existing file. */
export interface Insertion {
  file: string;
  placement: Placement;
  template: string;
}

/** A phrase in one section of a file that the release changes (e.g. where a step sends the reader next). */
export interface Rewrite {
  file: string;
  section: HeadingRef;
  from: string;
  to: string;
}

/** A file the release adds (or replaces, when re-applied), rendered from a template. */
export interface NewFile {
  file: string;
  template: string;
  /** Written with the executable bit (a program in the plugin's bin/, a hook script). */
  executable?: boolean;
}

/** Everything a release changes in the plugin. Paths of files are relative to the plugin root. */
export interface Release {
  version: string;
  /** Folder of the release's templates, relative to the generator's repository. */
  templateDir: string;
  /** Manifest descriptions must mention `mention`; if one does not, `sentence` is appended to it. */
  description: { mention: string; sentence: string };
  rewrites: Rewrite[];
  insertions: Insertion[];
  newFiles: NewFile[];
  /** ml_utils.py section templates the release adds or replaces (matched by their banner). */
  runtimeSections: string[];
  /** Functions the compiled ml_utils.py must define. */
  runtimeApi: string[];
}

/** Describes a heading reference for messages, e.g. `## Agent Report Bus…` or `### /^Stage 6\b/`. */
export function describeHeading(ref: HeadingRef): string {
  const text = typeof ref.text === "string" ? ref.text : String(ref.text);
  return `${"#".repeat(ref.depth)} ${text}`;
}

/** True when a heading of `depth` with plain text `text` is the one `ref` names. */
export function headingMatches(ref: HeadingRef, depth: number, text: string): boolean {
  if (depth !== ref.depth) return false;
  return typeof ref.text === "string" ? text === ref.text : ref.text.test(text);
}
