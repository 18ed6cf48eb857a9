/**
 * The runtime and the markdown that calls it agree: ml_utils.py compiles and defines the release's
 * API, and every `from ml_utils import X` (or `ml_utils.X`) in a code block names something it defines.
 */
import type { Code } from "mdast";
import { SourceError } from "../../generator/errors.ts";
import { parseMarkdown } from "../../generator/markdown.ts";
import { inspectPython, type PythonInventory } from "../../generator/python.ts";
import type { TextFile } from "../../generator/sources.ts";

/** Compiles `runtime` and checks it defines every function of `api`. Returns the inventory (or null) and the problems. */
export function checkRuntime(runtime: TextFile | null, api: string[]): { inventory: PythonInventory | null; problems: SourceError[] } {
  if (!runtime) return { inventory: null, problems: [new SourceError("templates/ml_utils.py", "missing from the plugin")] };
  try {
    const inventory = inspectPython(runtime.file, runtime.text);
    const missing = api.filter((name) => !inventory.functions.includes(name));
    const problems = missing.length ? [new SourceError(runtime.file, `does not define ${missing.join(", ")}`)] : [];
    return { inventory, problems };
  } catch (error) {
    if (error instanceof SourceError) return { inventory: null, problems: [error] };
    throw error;
  }
}

const FROM_IMPORT = /from\s+ml_utils\s+import\s+(\([^)]*\)|[^\n#]+)/g;
const ATTRIBUTE = /\bml_utils\.(?!py\b)([A-Za-z_]\w*)/g;

/** Lists the names a code block imports from ml_utils or reads as ml_utils.X, with their offsets in the block. */
export function namesUsed(code: string): Array<{ name: string; offset: number }> {
  const used: Array<{ name: string; offset: number }> = [];
  for (const match of code.matchAll(FROM_IMPORT)) {
    const list = (match[1] ?? "").replace(/[()]/g, "");
    for (const part of list.split(",")) {
      const name = part.trim().split(/\s+as\s+/)[0]?.trim();
      if (name && name !== "*") used.push({ name, offset: match.index ?? 0 });
    }
  }
  for (const match of code.matchAll(ATTRIBUTE)) used.push({ name: match[1] ?? "", offset: match.index ?? 0 });
  return used;
}

/** Checks every code block of `documents` against what ml_utils.py defines; one SourceError per unknown name. */
export function checkRuntimeReferences(documents: Map<string, TextFile>, inventory: PythonInventory): SourceError[] {
  const defined = new Set([...inventory.functions, ...inventory.names]);
  const problems: SourceError[] = [];
  for (const { file, text } of documents.values()) {
    const blocks: Code[] = [];
    const visit = (node: { type: string; children?: unknown[] }) => {
      if (node.type === "code") blocks.push(node as Code);
      for (const child of (node.children ?? []) as Array<{ type: string; children?: unknown[] }>) visit(child);
    };
    visit(parseMarkdown(text));
    for (const block of blocks) {
      for (const { name, offset } of namesUsed(block.value)) {
        if (defined.has(name)) continue;
        const line = (block.position?.start.line ?? 0) + 1 + (block.value.slice(0, offset).match(/\n/g) ?? []).length;
        problems.push(new SourceError(file, `code uses ml_utils.${name}, which templates/ml_utils.py does not define`, line));
      }
    }
  }
  return problems;
}
