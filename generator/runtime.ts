/**
 * ml_utils.py as sections. A section is a banner (a `# ===` line, `# N. TITLE` or `# TITLE`, and
 * another `# ===` line) and everything up to the next banner; the text before the first banner is the
 * preamble. Numbered sections are ordered by number, named ones (the command line) come last.
 */
import { SourceError, lineOfOffset } from "./errors.ts";

/** One section of the runtime: its key ("preamble", the number, or the banner title), title and text. */
export interface RuntimeSection {
  key: string;
  title: string;
  text: string;
  /** Where the section came from, for messages. */
  file: string;
}

const BANNER = /^# =+[ \t]*\r?\n# (?:(\d+)\.[ \t]+)?(\S[^\r\n]*?)[ \t]*\r?\n# =+[ \t]*(?:\r?\n|$)/gm;

/**
 * Splits the text of a whole ml_utils.py (read from `file`) into its preamble and sections.
 * Throws SourceError when two sections share a number or a title.
 */
export function splitRuntime(file: string, text: string): RuntimeSection[] {
  const banners = [...text.matchAll(BANNER)];
  const sections: RuntimeSection[] = [];
  const preamble = text.slice(0, banners[0]?.index ?? text.length);
  if (preamble.trim()) sections.push({ key: "preamble", title: "preamble", text: preamble, file });
  banners.forEach((banner, index) => {
    const start = banner.index ?? 0;
    const end = banners[index + 1]?.index ?? text.length;
    const key = banner[1] ?? banner[2] ?? "";
    if (sections.some((section) => section.key === key)) {
      throw new SourceError(file, `section ${JSON.stringify(key)} appears twice`, lineOfOffset(text, start), { ruleId: "runtime-section-duplicate", actual: key });
    }
    sections.push({ key, title: banner[2] ?? "", text: text.slice(start, end), file });
  });
  return sections;
}

/**
 * Reads one section template (already rendered) from `file`: a preamble (no banner) or exactly one
 * section starting with its banner. Throws SourceError when it holds several banners, or text before its banner.
 */
export function readSectionTemplate(file: string, text: string): RuntimeSection {
  const sections = splitRuntime(file, text);
  const [only] = sections;
  if (sections.length !== 1 || !only) {
    throw new SourceError(file, `a section template holds one section (a banner and its code) or the preamble; found ${sections.map((section) => section.key).join(", ") || "nothing"}`, undefined, {
      ruleId: "runtime-section-shape",
    });
  }
  return only;
}

/** Returns `base` with each section of `overrides` replacing the base section of the same key, or added. */
export function mergeSections(base: RuntimeSection[], overrides: RuntimeSection[]): RuntimeSection[] {
  const merged = new Map(base.map((section) => [section.key, section]));
  for (const section of overrides) merged.set(section.key, section);
  return [...merged.values()];
}

/**
 * Joins sections into ml_utils.py: the preamble, numbered sections by number, then named sections in
 * the order given; two blank lines between sections and one final line break.
 */
export function compileRuntime(sections: RuntimeSection[]): string {
  return orderSections(sections).map(sectionBody).join("\n\n\n") + "\n";
}

/** Returns the sections in file order: preamble, numbered by number, named in the order given. */
export function orderSections(sections: RuntimeSection[]): RuntimeSection[] {
  const rank = (section: RuntimeSection) => (section.key === "preamble" ? -1 : /^\d+$/.test(section.key) ? Number(section.key) : Infinity);
  return sections
    .map((section, index) => ({ section, index }))
    .sort((a, b) => rank(a.section) - rank(b.section) || a.index - b.index)
    .map(({ section }) => section);
}

/** Returns the section of compiled `sections` that holds 1-based `line` of the compiled file, and the line within it. */
export function sectionAtLine(sections: RuntimeSection[], line: number): { section: RuntimeSection; line: number } | undefined {
  let start = 1;
  for (const section of orderSections(sections)) {
    const length = sectionBody(section).split("\n").length;
    if (line < start + length) return { section, line: line - start + 1 };
    start += length + 2;
  }
  return undefined;
}

function sectionBody(section: RuntimeSection): string {
  return section.text.replace(/\r\n/g, "\n").trim();
}
