/**
 * What a project holds and what the plugin keeps: the library (templates/ml_utils.py) is at most
 * LIBRARY_BUDGET_BYTES, stamped with the bundle's version and the hash of its own text, and holds no
 * command; the plugin's command module (templates/ml_automation.py) compiles, loads the plugin's own
 * library by its path, and its API page (`ml-automation api`) names every public function of the
 * library within API_PAGE_BUDGET_BYTES.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { SourceError } from "../../generator/errors.ts";
import { inspectPython, runPython } from "../../generator/python.ts";
import type { TextFile } from "../../generator/sources.ts";

/** The most the library a project holds may weigh, in bytes. */
export const LIBRARY_BUDGET_BYTES = 150_000;
/** The most the API page may weigh, in bytes. */
export const API_PAGE_BUDGET_BYTES = 6144;

const STAMP = /^RUNTIME_STAMP = "([^"\n]*)"$/m;

/**
 * Checks the library: its size, its stamp (version and hash of its text), that it holds none of the
 * `commandTitles` sections nor a command table, and that the MLflow mirror's client side beside it was
 * built with it (its MIRROR_OF is the library's stamp, or the library never loads it).
 */
export function checkLibrary(library: TextFile | null, mirror: TextFile | null, version: string, commandTitles: string[]): SourceError[] {
  if (!library) return [];
  const problems: SourceError[] = [];
  const bytes = Buffer.byteLength(library.text, "utf8");
  if (bytes > LIBRARY_BUDGET_BYTES) {
    problems.push(new SourceError(library.file, `is ${bytes.toLocaleString("en-US")} bytes; the library a project holds must stay within ${LIBRARY_BUDGET_BYTES.toLocaleString("en-US")} (move what only a command needs into the release's commandSections)`, undefined, { ruleId: "library-size" }));
  }
  const stamp = STAMP.exec(library.text)?.[1];
  const hash = createHash("sha256").update(library.text.replace(STAMP, 'RUNTIME_STAMP = "unbuilt"'), "utf8").digest("hex").slice(0, 16);
  if (stamp !== `${version}+${hash}`) {
    problems.push(new SourceError(library.file, `RUNTIME_STAMP is ${JSON.stringify(stamp ?? null)}, expected "${version}+${hash}" (the bundle's version and the hash of the file): it was edited after the build`, undefined, { ruleId: "library-stamp" }));
  }
  for (const title of commandTitles) {
    const at = library.text.search(new RegExp(`^# ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
    if (at >= 0) problems.push(new SourceError(library.file, `holds the command section "${title}", which belongs in templates/ml_automation.py`, library.text.slice(0, at).split("\n").length, { ruleId: "library-commands" }));
  }
  if (/^_COMMANDS\b/m.test(library.text)) problems.push(new SourceError(library.file, "holds a command table (_COMMANDS): commands belong in templates/ml_automation.py", undefined, { ruleId: "library-commands" }));
  const builtFor = mirror && /^MIRROR_OF = "([^"\n]*)"$/m.exec(mirror.text)?.[1];
  if (mirror && builtFor !== stamp) {
    problems.push(new SourceError(mirror.file, `MIRROR_OF is ${JSON.stringify(builtFor ?? null)}, not the library's stamp ${JSON.stringify(stamp ?? null)}: ml_utils.py would refuse to load it`, undefined, { ruleId: "mirror-stamp" }));
  }
  return problems;
}

// Imports the command module by its path from an empty folder and prints its API page and the public
// functions of the library it loaded (and from where).
const API = `
import importlib.util, json, os, sys, tempfile
spec = importlib.util.spec_from_file_location("ml_automation_verify", sys.argv[1])
module = importlib.util.module_from_spec(spec)
os.chdir(tempfile.mkdtemp())
spec.loader.exec_module(module)
library = module._LIBRARY
public = [name for name, value in vars(library).items() if callable(value) and not isinstance(value, type) and not name.startswith("_") and getattr(value, "__module__", "") == library.__name__]
print(json.dumps({"page": module.api_page(), "public": public, "library": os.path.realpath(library.__file__)}))
`;

/** Checks the command module of the plugin at `pluginDir`: it compiles, marks itself, loads the library beside it, and its API page lists every public function of that library within the budget. */
export function checkCommands(commands: TextFile | null, pluginDir: string): SourceError[] {
  if (!commands) return [new SourceError("templates/ml_automation.py", "missing from the plugin: the commands (registry, copy-runtime, api) run from it", undefined, { ruleId: "commands-missing" })];
  try {
    inspectPython(commands.file, commands.text);
  } catch (error) {
    if (error instanceof SourceError) return [error];
    throw error;
  }
  if (!commands.text.includes("ML_AUTOMATION_COMMAND_MODULE = True")) return [new SourceError(commands.file, "does not mark itself as the plugin's command module (ML_AUTOMATION_COMMAND_MODULE = True)", undefined, { ruleId: "commands-mark" })];
  let report: { page: string; public: string[]; library: string };
  try {
    report = JSON.parse(runPython(API, commands.file, [join(pluginDir, "templates", "ml_automation.py")]).stdout) as typeof report;
  } catch (error) {
    return [new SourceError(commands.file, `cannot be imported to print its API page: ${error instanceof Error ? error.message.split("\n").slice(-1)[0] : String(error)}`, undefined, { ruleId: "commands-import" })];
  }
  const problems: SourceError[] = [];
  const bytes = Buffer.byteLength(report.page, "utf8");
  if (bytes > API_PAGE_BUDGET_BYTES) problems.push(new SourceError(commands.file, `its API page (api) is ${bytes} bytes, more than ${API_PAGE_BUDGET_BYTES}`, undefined, { ruleId: "api-page-size" }));
  const missing = report.public.filter((name) => !report.page.includes(`- ${name}(`));
  if (missing.length) problems.push(new SourceError(commands.file, `its API page does not list ${missing.join(", ")}`, undefined, { ruleId: "api-page-incomplete" }));
  return problems;
}
