/**
 * Printing problems the way the unified ecosystem does: each SourceError becomes a vfile message
 * (file, line:column, reason, ruleId, source) and vfile-reporter formats them, grouped by file.
 */
import { VFile } from "vfile";
import { VFileMessage } from "vfile-message";
import { reporter } from "vfile-reporter";
import type { SourceError } from "./errors.ts";

/** The `source` of messages the generator emits (vfile's name for the tool that found a problem). */
export const MESSAGE_SOURCE = "ml-automation";

/** Returns the vfile message for a SourceError: fatal, with its place, ruleId and offending value. */
export function toVFileMessage(error: SourceError): VFileMessage {
  const place = error.line === undefined ? undefined : { line: error.line, column: error.column ?? 1 };
  const message = new VFileMessage(error.reason, { place, ruleId: error.ruleId, source: MESSAGE_SOURCE });
  message.file = error.file;
  message.fatal = true;
  if (error.actual !== undefined) message.actual = error.actual;
  return message;
}

/** Groups problems into one VFile per file, each holding its messages. */
export function toVFiles(errors: SourceError[]): VFile[] {
  const files = new Map<string, VFile>();
  for (const error of errors) {
    let file = files.get(error.file);
    if (!file) {
      file = new VFile({ path: error.file });
      files.set(error.file, file);
    }
    file.messages.push(toVFileMessage(error));
  }
  return [...files.values()];
}

/** Formats problems with vfile-reporter (colour only when `color` is true). */
export function formatProblems(errors: SourceError[], color = false): string {
  return reporter(toVFiles(errors), { color });
}
