/**
 * A build or verification failure tied to a file (and a line and column, when there is one). Its
 * message is already complete for a person: what was expected and what was found instead. `ruleId`
 * names the kind of problem, so tests and tools can tell problems apart without reading the wording.
 */
export class SourceError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly ruleId: string | undefined;
  /** The problem without the file and position prefix. */
  readonly reason: string;
  /** The offending value, when there is one (an anchor, a path, a version). */
  readonly actual: string | undefined;

  /**
   * Takes the file (relative to the tree it belongs to), the problem, the 1-based line if known, and
   * optionally the 1-based column, the rule that found it and the offending value.
   */
  constructor(file: string, problem: string, line?: number, options: { column?: number; ruleId?: string; actual?: string } = {}) {
    const place = line === undefined ? "" : options.column === undefined ? `:${line}` : `:${line}:${options.column}`;
    super(`${file}${place}: ${problem}`);
    this.name = "SourceError";
    this.file = file;
    this.line = line;
    this.column = line === undefined ? undefined : options.column;
    this.ruleId = options.ruleId;
    this.reason = problem;
    this.actual = options.actual;
  }
}

/** Several SourceErrors found in one pass, reported together. */
export class SourceErrors extends Error {
  readonly errors: SourceError[];

  /** Takes at least one error; the message lists them all, one per line. */
  constructor(errors: SourceError[]) {
    super(errors.map((error) => error.message).join("\n"));
    this.name = "SourceErrors";
    this.errors = errors;
  }
}

/** Returns the SourceErrors an error holds (one or several), or null for any other error. */
export function sourceErrorsOf(error: unknown): SourceError[] | null {
  if (error instanceof SourceErrors) return error.errors;
  if (error instanceof SourceError) return [error];
  return null;
}

/**
 * Runs `fn` and returns its result; if it throws SourceError or SourceErrors, adds them to `errors`
 * and returns undefined instead, so one pass can report every problem. Other errors propagate.
 */
export function collectErrors<T>(errors: SourceError[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    const found = sourceErrorsOf(error);
    if (!found) throw error;
    errors.push(...found);
    return undefined;
  }
}

/** Returns the 1-based line of a 0-based character offset in `text`. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Returns the 1-based line and column of a 0-based character offset in `text`. */
export function pointOfOffset(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(offset, text.length));
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: lineOfOffset(text, offset), column: before.length - lineStart + 1 };
}
