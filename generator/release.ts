/**
 * The shape of a release: data only. The engine applies any value of this type; what each release
 * changes lives in releases/.
 */

/**
 * A heading named by depth and text: the exact plain text, or a pattern tested against it. Depth
 * `"any"` matches the text at every depth (for trees that put the same section at another level).
 */
export interface HeadingRef {
  depth: number | "any";
  text: string | RegExp;
}

/** A top-level block of a section named by its mdast type and its plain text (exact, or a pattern). */
export interface BlockRef {
  type: "paragraph" | "code" | "list" | "blockquote" | "table" | "html";
  text: string | RegExp;
}

/**
 * Where a fragment goes. What the fragment is (a section opening with its own heading, one paragraph
 * opening with bold text, or a table row) is read from the fragment; that identity is what makes a
 * re-application replace the fragment instead of adding a copy.
 */
export type Placement =
  /** Directly before the heading. Takes a section or a paragraph. */
  | { kind: "before"; heading: HeadingRef }
  /** At the end of the heading's section (before the next heading of the same or lower depth). Takes a section or a paragraph. */
  | { kind: "endOfSection"; heading: HeadingRef }
  /** At the end of the document. Takes a section or a paragraph. */
  | { kind: "endOfDocument" }
  /** Directly after the one top-level block of the section that `block` names. Takes a paragraph. */
  | { kind: "afterBlock"; section: HeadingRef; block: BlockRef }
  /** As the last paragraph of the one top-level list item of the section whose own text matches `item`. Takes a paragraph. */
  | { kind: "inListItem"; section: HeadingRef; item: RegExp }
  /** As a row of the one table in the section. Takes a table row. */
  | { kind: "tableRow"; section: HeadingRef };

/** A rendered template inserted into an existing file. Several placements are ordered alternatives: the first whose anchor the file has is used. */
export interface Insertion {
  file: string;
  placement: Placement | Placement[];
  template: string;
  /**
   * The tree may lack what this edit changes (a file its tree does not have, an anchor or, for a
   * rewrite, the phrase): it is then reported as "not present" instead of failing the build.
   */
  optional?: boolean;
}

/** A phrase in one section of a file that the release changes (e.g. where a step sends the reader next). Several sections are ordered alternatives. */
export interface Rewrite {
  file: string;
  section: HeadingRef | HeadingRef[];
  from: string;
  to: string;
  /**
   * The tree may lack what this edit changes (a file its tree does not have, an anchor or, for a
   * rewrite, the phrase): it is then reported as "not present" instead of failing the build.
   */
  optional?: boolean;
}

/** A file the release adds (or replaces, when re-applied), rendered from a template. */
export interface NewFile {
  file: string;
  template: string;
  /** Written with the executable bit (a program in the plugin's bin/, a hook script). */
  executable?: boolean;
}

/** A hook handler a release adds to the plugin's Claude Code hooks file (hooks/hooks.json). */
export interface HookHandler {
  /** The Claude Code event, e.g. "PreToolUse" or "SubagentStop". */
  event: string;
  /** For tool events: the tools it runs for, e.g. "Write|Edit|MultiEdit". */
  matcher?: string;
  /**
   * For tool events: a permission rule the call must match for the command to start at all, e.g.
   * "Write(**\/mlops/**)" (Claude Code's hook `if`, a rule of the tool's own name).
   */
  if?: string;
  /** The command; `${CLAUDE_PLUGIN_ROOT}` is the plugin folder. Its identity, with the event and matcher: such a handler is not added again. */
  command: string;
  /** Seconds before Claude Code gives up on it. */
  timeout?: number;
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
  /** Hook handlers added to hooks/hooks.json (created when the tree has none). */
  hooks?: HookHandler[];
  /**
   * Workflows only a person starts, by name, each with the reason: their skill in the bundle gets
   * `disable-model-invocation: true` (listed to the model in no request, still run when typed).
   */
  personOnly?: Record<string, string>;
  /** Section templates of the library, ml_utils.py (what a project's code imports), that the release adds or replaces (matched by their banner). */
  runtimeSections: string[];
  /**
   * Section templates of the plugin's command module, templates/ml_automation.py: what a person runs as
   * a command (registry views, report, repair, sync, the editor commands, copy-runtime, the command
   * line). It stays in the plugin and uses the names of the plugin's own ml_utils.py; a source's
   * library section with the same banner moves here.
   */
  commandSections?: string[];
  /**
   * Section templates of the MLflow mirror's client side, templates/ml_utils_mlflow.py: loaded into the
   * library when a project turns the mirror on (copied into a project only then). It uses the library's
   * names, and the command module uses its names.
   */
  mirrorSections?: string[];
  /** Functions the compiled ml_utils.py must define. */
  runtimeApi: string[];
}

/** Returns a placement or a list of alternatives as a list. */
export function alternatives<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Describes a heading reference for messages, e.g. `## Agent Report Bus…`, `### /^Stage 6\b/` or `(any depth) Workflow`. */
export function describeHeading(ref: HeadingRef): string {
  const text = typeof ref.text === "string" ? ref.text : String(ref.text);
  return ref.depth === "any" ? `#… ${text}` : `${"#".repeat(ref.depth)} ${text}`;
}

/** True when a heading of `depth` with plain text `text` is the one `ref` names. */
export function headingMatches(ref: HeadingRef, depth: number, text: string): boolean {
  if (ref.depth !== "any" && depth !== ref.depth) return false;
  return textMatches(ref.text, text);
}

/** True when `text` is `expected` (a string, compared exactly) or matches it (a pattern). */
export function textMatches(expected: string | RegExp, text: string): boolean {
  if (typeof expected === "string") return text === expected;
  expected.lastIndex = 0;
  return expected.test(text);
}

/** Describes a placement for messages, e.g. "before `## Agent Report Bus`". */
export function describePlacement(placement: Placement): string {
  switch (placement.kind) {
    case "before":
      return `before \`${describeHeading(placement.heading)}\``;
    case "endOfSection":
      return `at the end of section \`${describeHeading(placement.heading)}\``;
    case "endOfDocument":
      return "at the end of the document";
    case "afterBlock":
      return `after the ${placement.block.type} matching ${String(placement.block.text)} in section \`${describeHeading(placement.section)}\``;
    case "inListItem":
      return `in the list item matching ${String(placement.item)} of section \`${describeHeading(placement.section)}\``;
    case "tableRow":
      return `in the table of section \`${describeHeading(placement.section)}\``;
  }
}
