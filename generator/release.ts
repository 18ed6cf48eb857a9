/**
 * The shape of a release: data only. One zod schema is both the TypeScript types (a release file is
 * typed `ReleaseData`, the engine reads the checked `Release`) and the check the release list runs
 * when it is loaded (release-loader.ts), so a field is added in one place: `releaseSchema` below.
 * What each release changes lives in releases/.
 */
import { z } from "zod";
import { CLAUDE_CODE_HOOK_EVENTS } from "./hook-handlers.ts";
import { closest } from "./suggest.ts";

/** A message for a strict object's unknown fields, one line per field, each with the closest known one. */
function unknownFields(known: string[]) {
  return (issue: { code?: string; keys?: string[] }) => {
    if (issue.code !== "unrecognized_keys" || !issue.keys) return undefined;
    return issue.keys
      .map((key) => {
        const guess = closest(key, known);
        return `unknown field "${key}"${guess ? `; did you mean "${guess}"?` : ""} (fields: ${known.join(", ")})`;
      })
      .join("\n");
  };
}

/** An object with exactly these fields: an unknown one (a typo) is an error naming the closest field. */
function record<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, { error: unknownFields(Object.keys(shape)) });
}

/** One of `values`; any other string is an error naming the closest value. */
function oneOf<const Values extends readonly [string, ...string[]]>(what: string, values: Values) {
  return z.enum(values, {
    error: (issue) => {
      const input = (issue as { input?: unknown }).input;
      if (typeof input !== "string") return `${what} must be one of ${values.join(", ")}`;
      const guess = closest(input, [...values]);
      return `unknown ${what} "${input}"${guess ? `; did you mean "${guess}"?` : ""} (${what}s: ${values.join(", ")})`;
    },
  });
}

/** A path inside the plugin or a templates folder: relative, '/'-separated, never leaving its folder. */
const relativePath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith("/") && !path.includes("\\") && !path.split("/").some((part) => part === ".." || part === ""), {
    error: (issue) => `"${String(issue.input)}" must be a relative path with '/' separators, inside its folder (no leading /, no ..)`,
  });

/** Text to match: the exact plain text (a string), or a pattern tested against it. */
const textPattern = z.union([z.string().min(1), z.instanceof(RegExp)], { error: "must be a string (exact text) or a regular expression" });

/**
 * A heading named by depth and text: the exact plain text, or a pattern tested against it. Depth
 * `"any"` matches the text at every depth (for trees that put the same section at another level).
 */
const headingRef = record({
  depth: z.union([z.number().int().min(1).max(6), z.literal("any")], { error: 'depth must be 1 to 6, or "any"' }),
  text: textPattern,
});

/** One heading, or ordered alternatives (the first the document has is used). */
const headingRefs = z.union([headingRef, z.array(headingRef).min(1)]);

/** A top-level block of a section named by its mdast type and its plain text (exact, or a pattern). */
const blockRef = record({
  type: oneOf("block type", ["paragraph", "code", "list", "blockquote", "table", "html"]),
  text: textPattern,
});

/** The placement kinds, in the order the README documents them. */
export const PLACEMENT_KINDS = ["before", "endOfSection", "endOfDocument", "afterBlock", "inListItem", "tableRow"] as const;

/**
 * Where a fragment goes. What the fragment is (a section opening with its own heading, one paragraph
 * opening with bold text, or a table row) is read from the fragment; that identity is what makes a
 * re-application replace the fragment instead of adding a copy.
 */
const placement = z.discriminatedUnion(
  "kind",
  [
    /** Directly before the heading. Takes a section or a paragraph. */
    record({ kind: z.literal("before"), heading: headingRef }),
    /** At the end of the heading's section (before the next heading of the same or lower depth). Takes a section or a paragraph. */
    record({ kind: z.literal("endOfSection"), heading: headingRef }),
    /** At the end of the document. Takes a section or a paragraph. */
    record({ kind: z.literal("endOfDocument") }),
    /** Directly after the one top-level block of the section that `block` names. Takes a paragraph. */
    record({ kind: z.literal("afterBlock"), section: headingRef, block: blockRef }),
    /** As the last paragraph of the one top-level list item of the section whose own text matches `item`. Takes a paragraph. */
    record({ kind: z.literal("inListItem"), section: headingRef, item: z.instanceof(RegExp, { error: "item must be a regular expression" }) }),
    /** As a row of the one table in the section. Takes a table row. */
    record({ kind: z.literal("tableRow"), section: headingRef }),
  ],
  {
    error: (issue) => {
      const input = (issue as { input?: unknown }).input as { kind?: unknown } | undefined;
      const kind = input && typeof input === "object" ? input.kind : undefined;
      if (typeof kind !== "string") return `a placement needs a "kind": one of ${PLACEMENT_KINDS.join(", ")}`;
      const guess = closest(kind, [...PLACEMENT_KINDS]);
      return `unknown placement kind "${kind}"${guess ? `; did you mean "${guess}"?` : ""} (kinds: ${PLACEMENT_KINDS.join(", ")})`;
    },
  },
);

/** A phrase of a rewrite: non-empty text. */
const phrase = z.string().min(1, { error: "a rewrite's phrase must not be empty" });

/** The tree may lack what an edit changes: it is then reported as "not present" instead of failing the build. */
const optional = z.boolean().optional();

/** A rendered template inserted into an existing file. Several placements are ordered alternatives: the first whose anchor the file has is used. */
const insertion = record({
  file: relativePath,
  placement: z.union([placement, z.array(placement).min(1)]),
  /** The fragment's template, relative to the release's templates folder. */
  template: relativePath,
  /** The tree may lack the file or the anchor: "not present" instead of an error. */
  optional,
});

/**
 * A phrase in one section of a file that the release changes (e.g. where a step sends the reader
 * next). Several sections are ordered alternatives; so are several phrases: `from` may list the
 * wordings trees use, the first found in the section is rewritten, to `to` (one text for all) or to the
 * `to` of the same index (a list as long as `from`).
 */
const rewrite = record({
  file: relativePath,
  section: headingRefs,
  from: z.union([phrase, z.array(phrase).min(1)]),
  to: z.union([phrase, z.array(phrase).min(1)]),
  /** The tree may lack the file, the section or the phrase: "not present" instead of an error. */
  optional,
}).check((context) => {
  const { from, to } = context.value;
  if (Array.isArray(to) && (!Array.isArray(from) || from.length !== to.length)) {
    context.issues.push({ code: "custom", path: ["to"], input: to, message: `"to" lists ${to.length} phrases, but "from" ${Array.isArray(from) ? from.length : 1}: give one "to" for all, or one per "from"` });
  }
});

/** A file the release adds (or replaces, when re-applied), rendered from a template. */
const newFile = record({
  file: relativePath,
  template: relativePath,
  /** Written with the executable bit (a program in the plugin's bin/, a hook script). */
  executable: z.boolean().optional(),
});

/** A hook handler a release adds to the plugin's Claude Code hooks file (hooks/hooks.json). */
const hookHandler = record({
  /** The Claude Code event, e.g. "PreToolUse" or "SubagentStop" (one every supported client knows). */
  event: z.string().refine((event) => (CLAUDE_CODE_HOOK_EVENTS as readonly string[]).includes(event), {
    error: (issue) => {
      const event = String(issue.input);
      const guess = closest(event, CLAUDE_CODE_HOOK_EVENTS);
      return `unknown hook event "${event}"${guess ? `; did you mean "${guess}"?` : ""} (Claude Code ignores a handler on an event it does not have; events: ${CLAUDE_CODE_HOOK_EVENTS.join(", ")})`;
    },
  }),
  /** For tool events: the tools it runs for, e.g. "Write|Edit|MultiEdit". */
  matcher: z.string().min(1).optional(),
  /**
   * For tool events: a permission rule the call must match for the command to start at all, e.g.
   * "Write(**\/mlops/**)" (Claude Code's hook `if`, a rule of the tool's own name).
   */
  if: z.string().min(1).optional(),
  /** The command; `${CLAUDE_PLUGIN_ROOT}` is the plugin folder. Its identity, with the event, matcher and `if`: such a handler is not added again. */
  command: z.string().min(1),
  /** Seconds before Claude Code gives up on it. */
  timeout: z.number().positive().optional(),
});

/**
 * What a release does to the manifests' description: add a sentence (unless the description already
 * mentions `mention`, case-insensitive), or replace the description with a text of its own.
 */
const description = z.union(
  [
    record({ mention: z.string().min(1), sentence: z.string().min(1) }).check((context) => {
      const { mention, sentence } = context.value;
      // The mention is how a second build sees the sentence is there: without it, every build adds it again.
      if (!sentence.toLowerCase().includes(mention.toLowerCase())) {
        context.issues.push({ code: "custom", path: ["sentence"], input: sentence, message: `the sentence must contain its mention "${mention}" (that is how a second build sees it is there already)` });
      }
    }),
    record({ replace: z.string().min(1) }),
  ],
  { error: "description is { mention, sentence } (adds the sentence) or { replace } (the new description)" },
);

/** A semantic version such as 1.3.1. */
const version = z.string().regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/, { error: (issue) => `version must be a semantic version such as 1.3.1, found ${JSON.stringify(issue.input)}` });

/**
 * Everything a release changes in the plugin. Paths of files are relative to the plugin root;
 * templates are relative to `templateDir`. Every list may be left out when the release does not
 * change that part; to add a field, add it here (and read it where the engine applies it).
 */
export const releaseSchema = record({
  version,
  /** Folder of the release's templates, relative to the generator's repository (default `templates/releases/<version>`). */
  templateDir: relativePath.optional(),
  /** What the release does to the manifests' description (left as it is when omitted). */
  description: description.optional(),
  /** Phrases of existing files the release changes. */
  rewrites: z.array(rewrite).default([]),
  /** Fragments inserted into existing files. */
  insertions: z.array(insertion).default([]),
  /** Files the release adds. */
  newFiles: z.array(newFile).default([]),
  /** Hook handlers added to hooks/hooks.json (created when the tree has none). */
  hooks: z.array(hookHandler).optional(),
  /**
   * Workflows only a person starts, by name, each with the reason: their skill in the bundle gets
   * `disable-model-invocation: true` (listed to the model in no request, still run when typed).
   */
  personOnly: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: "a workflow is named in kebab-case, e.g. team-coldstart" }), z.string().min(1)).optional(),
  /** Section templates of the library, ml_utils.py (what a project's code imports), that the release adds or replaces (matched by their banner). */
  runtimeSections: z.array(relativePath).default([]),
  /**
   * Section templates of the plugin's command module, templates/ml_automation.py: what a person runs as
   * a command (registry views, report, repair, sync, the editor commands, copy-runtime, the command
   * line). It stays in the plugin and uses the names of the plugin's own ml_utils.py; a source's
   * library section with the same banner moves here.
   */
  commandSections: z.array(relativePath).default([]),
  /**
   * Section templates of the MLflow mirror's client side, templates/ml_utils_mlflow.py: loaded into the
   * library when a project turns the mirror on (copied into a project only then). It uses the library's
   * names, and the command module uses its names.
   */
  mirrorSections: z.array(relativePath).default([]),
  /** Functions the compiled ml_utils.py must define. */
  runtimeApi: z.array(z.string().regex(/^[A-Za-z_]\w*$/, { error: "a runtime function is a Python name such as save_model_entry" })).default([]),
}).transform((release) => ({ ...release, templateDir: release.templateDir ?? `templates/releases/${release.version}` }));

/** A release as its file writes it: every list optional, `templateDir` defaulting to templates/releases/<version>. */
export type ReleaseData = z.input<typeof releaseSchema>;
/** A checked release as the engine reads it: every list present. */
export type Release = z.output<typeof releaseSchema>;
export type HeadingRef = z.output<typeof headingRef>;
export type BlockRef = z.output<typeof blockRef>;
export type Placement = z.output<typeof placement>;
export type Insertion = z.output<typeof insertion>;
export type Rewrite = z.output<typeof rewrite>;
export type NewFile = z.output<typeof newFile>;
export type HookHandler = z.output<typeof hookHandler>;
export type ReleaseDescription = z.output<typeof description>;

/** Returns a placement or a list of alternatives as a list. */
export function alternatives<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The phrases of a rewrite, in order: each wording it may find (`from`) with what it becomes (`to`). */
export function rewritePhrases(rewrite: Pick<Rewrite, "from" | "to">): Array<{ from: string; to: string }> {
  const to = rewrite.to;
  return alternatives(rewrite.from).map((from, index) => ({ from, to: Array.isArray(to) ? (to[index] ?? to[0] ?? "") : to }));
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
