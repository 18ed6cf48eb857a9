/**
 * A build or verification failure tied to a file (and a line, when there is one). Its message is
 * already complete for a person: what was expected and what was found instead.
 */
export class SourceError extends Error {
  readonly file: string;
  readonly line: number | undefined;

  /** Takes the file (relative to the tree it belongs to), the problem, and the 1-based line if known. */
  constructor(file: string, problem: string, line?: number) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${problem}`);
    this.name = "SourceError";
    this.file = file;
    this.line = line;
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

/**
 * Runs `fn` and returns its result; if it throws SourceError or SourceErrors, adds them to `errors`
 * and returns undefined instead, so one pass can report every problem. Other errors propagate.
 */
export function collectErrors<T>(errors: SourceError[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SourceErrors) errors.push(...error.errors);
    else if (error instanceof SourceError) errors.push(error);
    else throw error;
    return undefined;
  }
}

/** Returns the 1-based line of a 0-based character offset in `text`. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
