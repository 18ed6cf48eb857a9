/** `--dry-run`: the unified diff of what a build would change, per file, from the sources to the bundle. */
import { createTwoFilesPatch } from "diff";
import type { BundlePlan } from "./build.ts";
import { invalidUtf8Offset } from "./sources.ts";

/**
 * Returns one unified diff per file the bundle would hold differently from its source (or newly),
 * with `a/<source file>` and `b/<bundle path>` headers; unchanged files and binary files are left out
 * (a binary file is only ever copied). Sorted by bundle path.
 */
export function planDiff(plan: BundlePlan): string {
  const patches: string[] = [];
  for (const path of [...plan.files.keys()].sort()) {
    const content = plan.files.get(path) ?? "";
    const after = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
    const origin = plan.origins.get(path) ?? null;
    if (origin && origin.bytes.equals(after)) continue;
    if (invalidUtf8Offset(after) !== -1 || (origin && invalidUtf8Offset(origin.bytes) !== -1)) {
      patches.push(`Binary file ${origin ? `a/${origin.file}` : "/dev/null"} and b/${path} differ\n`);
      continue;
    }
    const before = origin ? origin.bytes.toString("utf8") : "";
    patches.push(createTwoFilesPatch(origin ? `a/${origin.file}` : "/dev/null", `b/${path}`, before, after.toString("utf8"), undefined, undefined, { context: 3 }).replace(/^=+\n/, ""));
  }
  return patches.join("");
}
