/**
 * remarkRelease: the release as a unified plugin. On the tree of one source document it locates every
 * anchor the release names for that file (rewrites, then insertions, each with its ordered
 * alternatives), recognises copies an earlier application left, and plans the splices; it reports
 * every problem as a vfile message with the source's line and column, a `ruleId` and the offending
 * value. Splicing itself happens by source offsets (see spliceDocument), so untouched bytes stay.
 *
 *   unified().use(remarkParse).use(remarkFrontmatter).use(remarkGfm).use(remarkRelease, options)
 */
import type { Root } from "mdast";
import type { VFile } from "vfile";
import type { Doc } from "./anchor.ts";
import { SourceError, sourceErrorsOf } from "./errors.ts";
import { fragmentIdentity, labelOf, readIdentity, type FragmentIdentity } from "./fragment.ts";
import { isMissingAnchor, locatePlacement, checkPlacement, placementContext, type Located, type PlacementContext, type Point, type Splice } from "./placements.ts";
import { toVFileMessage } from "./problem-report.ts";
import { alternatives, describePlacement, rewritePhrases, type Placement, type Rewrite } from "./release.ts";
import { checkRewrite, isAbsentTarget, locateRewrite, rewriteLabel } from "./rewrite.ts";
import { lineEnding, normalizeFragment } from "./splice.ts";

/** An insertion of one file with its fragment already rendered. */
export interface RenderedInsertion {
  placement: Placement | Placement[];
  /** The template the fragment came from (named in messages about the fragment itself). */
  template: string;
  fragment: string;
  /** The document may lack the anchor (see Insertion.optional). */
  optional?: boolean;
  /** The release's insertion, for `origin` in messages. */
  edit?: object;
}

/** What remarkRelease applies to one document. */
export interface RemarkReleaseOptions {
  rewrites: Rewrite[];
  insertions: RenderedInsertion[];
  /** Says which release data asked for an edit (e.g. "release 1.3.0, generator/releases/v1.3.0.ts:72:5"), added to its problems. */
  origin?: (edit: object) => string | undefined;
}

/** One planned change of a document: the splice (null when already applied), for the report and the check. */
export interface PlannedEdit {
  label: string;
  point: Point;
  splice: Splice | null;
  replaces: boolean;
  /** An optional edit whose target this document does not have (nothing to do, nothing to check). */
  absent?: boolean;
  /** Checks the released document; returns the line of the change there, throws SourceError otherwise. */
  check: (released: Doc) => number;
}

declare module "vfile" {
  interface DataMap {
    /** The edits remarkRelease planned for this document, in release order. */
    releaseEdits: PlannedEdit[];
  }
}

/** Adds a SourceError to `file` as a fatal vfile message (its own file may be a template). */
export function report(file: VFile, error: SourceError): void {
  file.messages.push(toVFileMessage(error));
}

/** The planned edit of an optional change whose target the document lacks. */
function absentEdit(label: string): PlannedEdit {
  return { label, point: { line: 0, column: 0 }, splice: null, replaces: false, absent: true, check: () => 0 };
}

/** Returns `error` with a last line saying where the release asked for the edit (when known). */
export function askedBy(error: SourceError, origin: string | undefined): SourceError {
  if (!origin) return error;
  return new SourceError(error.file, `${error.reason}\n(asked for by ${origin})`, error.line, { column: error.column, ruleId: error.ruleId, actual: error.actual });
}

/** Runs `fn`; a SourceError it throws becomes a message of `file` (saying which release data asked, when `origin` does). Returns undefined then. */
function attempt<T>(file: VFile, fn: () => T, origin?: () => string | undefined): T | undefined {
  try {
    return fn();
  } catch (error) {
    const errors = sourceErrorsOf(error);
    if (!errors) throw error;
    const asked = origin?.();
    for (const one of errors) report(file, askedBy(one, asked));
    return undefined;
  }
}

/** Locates the first alternative whose anchor the document has. Throws `anchor-missing` naming all of them when none has. */
function locateFirst(doc: Doc, placements: Placement[], identity: FragmentIdentity, block: string, eol: string, context: PlacementContext): Located {
  const missing: SourceError[] = [];
  for (const placement of placements) {
    try {
      return locatePlacement(doc, placement, identity, block, eol, context);
    } catch (error) {
      if (!isMissingAnchor(error)) throw error;
      missing.push(error as SourceError);
    }
  }
  const [first] = missing;
  if (missing.length === 1 && first) throw first;
  const headline = (reason: string) => (reason.split("\n")[0] ?? "").replace(/; (?:headings in this file:|this file has no headings)$/, "");
  const tried = placements.map((placement, index) => `  ${index + 1}. ${describePlacement(placement)}: ${headline(missing[index]?.reason ?? "")}`);
  const at = first?.reason.indexOf("headings in this file:") ?? -1;
  const listing = first && at >= 0 ? `\n${first.reason.slice(at)}` : "";
  throw new SourceError(doc.file, `none of the ${placements.length} placements of ${labelOf(identity)} finds its anchor:\n${tried.join("\n")}${listing}`, first?.line, {
    column: first?.column,
    ruleId: "anchor-missing",
    actual: placements.map(describePlacement).join(" | "),
  });
}

/**
 * The unified plugin. Plans the release's edits of the document in `file` (stored in
 * `file.data.releaseEdits`) and reports each problem as a fatal message of `file`.
 */
export default function remarkRelease(options: RemarkReleaseOptions) {
  return (tree: Root, file: VFile): void => {
    const doc: Doc = { file: file.path, text: String(file.value), tree };
    const eol = lineEnding(doc.text);
    const edits: PlannedEdit[] = [];
    const originOf = (edit: object | undefined) => () => (edit && options.origin ? options.origin(edit) : undefined);
    const prepared = options.insertions.map((insertion) =>
      attempt(file, () => {
        const placements = alternatives(insertion.placement);
        const block = normalizeFragment(insertion.fragment, eol);
        const identity = readIdentity(block);
        for (const placement of placements) fragmentIdentity(insertion.template, placement, block);
        return { placements, block, identity: identity as FragmentIdentity };
      }, originOf(insertion.edit)),
    );
    const context = placementContext(prepared.map((item) => item?.identity));

    for (const rewrite of options.rewrites) {
      attempt(file, () => {
        let located;
        try {
          located = locateRewrite(doc, rewrite);
        } catch (error) {
          if (rewrite.optional && isAbsentTarget(error)) return edits.push(absentEdit(rewriteLabel(rewritePhrases(rewrite)[0] ?? { from: "", to: "" })));
          throw error;
        }
        edits.push({
          label: rewriteLabel(located.phrase),
          point: located.point,
          splice: located.splice,
          replaces: located.splice !== null,
          check: (released) => checkRewrite(released, rewrite),
        });
      }, originOf(rewrite));
    }
    prepared.forEach((item, index) => {
      if (!item) return;
      attempt(file, () => {
        let located;
        try {
          located = locateFirst(doc, item.placements, item.identity, item.block, eol, context);
        } catch (error) {
          if (options.insertions[index]?.optional && isAbsentTarget(error)) return edits.push(absentEdit(labelOf(item.identity)));
          throw error;
        }
        const unchanged = doc.text.slice(located.splice.start, located.splice.end) === located.splice.insert;
        edits.push({
          label: labelOf(item.identity),
          point: located.point,
          splice: unchanged ? null : located.splice,
          replaces: located.replaces,
          check: (released) => checkPlacement(released, located.placement, item.identity, context),
        });
      }, originOf(options.insertions[index]?.edit));
    });
    file.data.releaseEdits = edits;
  };
}
