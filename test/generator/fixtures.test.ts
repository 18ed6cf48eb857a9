/**
 * Fixture tests, one folder per placement kind and per error under test/fixtures/placements/:
 * `input.md`, `release.json` (insertions with their fragment files, rewrites; "/.../" strings are
 * patterns) and either `output.md` (the released text, which a second application must leave as it
 * is) or `messages.json` (ruleId, file, line and column of each problem, in the source as given);
 * `release.json` may list the `actions` the first application reports (e.g. "not present" for an
 * optional edit whose target the document lacks).
 * UPDATE_FIXTURES=1 rewrites the expected files from what the engine does now.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyRelease } from "../../generator/apply-release.ts";
import { sourceErrorsOf } from "../../generator/errors.ts";
import type { Placement, Release } from "../../generator/release.ts";
import { repoRoot } from "../helpers.ts";

const root = join(repoRoot, "test", "fixtures", "placements");
const update = process.env.UPDATE_FIXTURES === "1";

interface Record {
  insertions?: Array<{ placement: Placement | Placement[]; fragment: string; optional?: boolean }>;
  rewrites?: Array<{ section: unknown; from: string; to: string; optional?: boolean }>;
  /** What the first application reports for each edit, rewrites first (checked when given). */
  actions?: string[];
}

/** Reads release.json, turning "/source/flags" strings into patterns. */
function readRecord(dir: string): Record {
  return JSON.parse(readFileSync(join(dir, "release.json"), "utf8"), (_key, value) => {
    const match = typeof value === "string" ? /^\/(.+)\/([a-z]*)$/s.exec(value) : null;
    return match ? new RegExp(match[1] ?? "", match[2]) : value;
  }) as Record;
}

function run(dir: string, text: string) {
  const record = readRecord(dir);
  const release = {
    version: "1.3.0",
    templateDir: ".",
    description: { mention: "x", sentence: "X." },
    rewrites: (record.rewrites ?? []).map((rewrite) => ({ file: "input.md", ...rewrite })),
    insertions: (record.insertions ?? []).map((insertion) => ({ file: "input.md", placement: insertion.placement, template: insertion.fragment, optional: insertion.optional })),
    newFiles: [],
    runtimeSections: [],
    commandSections: [],
    mirrorSections: [],
    runtimeApi: [],
  } as Release;
  const render = (template: string) => ({ file: template, text: readFileSync(join(dir, template), "utf8") });
  try {
    const result = applyRelease((path) => (path === "input.md" ? { file: "input.md", text } : undefined), release, render);
    return { ok: true as const, text: result.documents.get("input.md") ?? text, edits: result.edits };
  } catch (error) {
    const errors = sourceErrorsOf(error);
    if (!errors) throw error;
    return { ok: false as const, messages: errors.map((problem) => ({ ruleId: problem.ruleId, file: problem.file, line: problem.line ?? null, column: problem.column ?? null })) };
  }
}

describe.each(readdirSync(root).sort())("fixture %s", (name) => {
  const dir = join(root, name);
  const input = readFileSync(join(dir, "input.md"), "utf8");
  const outputPath = join(dir, "output.md");
  const messagesPath = join(dir, "messages.json");

  it(existsSync(messagesPath) ? "reports its problems at the source's positions" : "releases to output.md, and a second application changes nothing", () => {
    const result = run(dir, input);
    if (update) {
      rmSync(outputPath, { force: true });
      rmSync(messagesPath, { force: true });
      if (result.ok) writeFileSync(outputPath, result.text);
      else writeFileSync(messagesPath, `${JSON.stringify(result.messages, null, 2)}\n`);
    }
    if (existsSync(messagesPath)) {
      expect(result.ok ? "released" : result.messages).toEqual(JSON.parse(readFileSync(messagesPath, "utf8")));
      return;
    }
    expect(result.ok ? result.text : result.messages).toBe(readFileSync(outputPath, "utf8"));
    const again = run(dir, result.ok ? result.text : "");
    expect(again.ok && again.text).toBe(result.ok && result.text);
    expect(again.ok && again.edits.every((edit) => edit.action === "unchanged" || edit.action === "not present")).toBe(true);
    const { actions } = readRecord(dir);
    if (actions) expect(result.ok && result.edits.map((edit) => edit.action)).toEqual(actions);
  });
});
