/** Applying insertions and rewrites to one markdown text through the real engine (remarkRelease and the splice), for tests. */
import { applyRelease, type AppliedEdit } from "../../generator/apply-release.ts";
import { SourceError, sourceErrorsOf } from "../../generator/errors.ts";
import type { Placement, Release, Rewrite } from "../../generator/release.ts";

/** An insertion of a test: where, and the fragment's markdown. */
export interface TestInsertion {
  placement: Placement | Placement[];
  fragment: string;
}

/** The outcome: the released text and edits, or the problems (each a SourceError with ruleId and position). */
export type Applied = { ok: true; text: string; edits: AppliedEdit[] } | { ok: false; errors: SourceError[] };

/** A release of version 9.9.9 that makes exactly these changes to `file`. */
export function testRelease(file: string, insertions: TestInsertion[], rewrites: Array<Omit<Rewrite, "file">> = []): Release {
  return {
    version: "9.9.9",
    templateDir: ".",
    description: { mention: "x", sentence: "X." },
    rewrites: rewrites.map((rewrite) => ({ file, ...rewrite })),
    insertions: insertions.map((insertion, index) => ({ file, placement: insertion.placement, template: `fragment-${index + 1}.md` })),
    newFiles: [],
    runtimeSections: [],
    commandSections: [],
    mirrorSections: [],
    runtimeApi: [],
  };
}

/** Applies the insertions and rewrites to `text` (named `file`) and returns the outcome. */
export function applyTo(text: string, insertions: TestInsertion[], rewrites: Array<Omit<Rewrite, "file">> = [], file = "agents/x.md"): Applied {
  const release = testRelease(file, insertions, rewrites);
  const render = (template: string) => {
    const index = Number(/fragment-(\d+)/.exec(template)?.[1]) - 1;
    return { file: template, text: insertions[index]?.fragment ?? "" };
  };
  try {
    const result = applyRelease((path) => (path === file ? { file, text } : undefined), release, render);
    return { ok: true, text: result.documents.get(file) ?? text, edits: result.edits };
  } catch (error) {
    const errors = sourceErrorsOf(error);
    if (!errors) throw error;
    return { ok: false, errors };
  }
}

/** The released text; fails the test with the problems when there are any. */
export function released(text: string, insertions: TestInsertion[], rewrites: Array<Omit<Rewrite, "file">> = []): string {
  const result = applyTo(text, insertions, rewrites);
  if (!result.ok) throw new Error(`expected the release to apply:\n${result.errors.map((error) => error.message).join("\n")}`);
  return result.text;
}

/** The problems as { ruleId, line, column, file }; fails the test when the release applies. */
export function problems(text: string, insertions: TestInsertion[], rewrites: Array<Omit<Rewrite, "file">> = []) {
  const result = applyTo(text, insertions, rewrites);
  if (result.ok) throw new Error("expected the release to fail");
  return result.errors.map((error) => ({ ruleId: error.ruleId, line: error.line, column: error.column, file: error.file }));
}
