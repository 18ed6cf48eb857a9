/**
 * `npm run bench`: speed measured in one run, as ratios to a baseline measured in the same run.
 * - the build next to copying the same source tree;
 * - the size of the file a project holds (the library, templates/ml_utils.py) next to the single 300,047-byte
 *   ml_utils.py every project held before the split (main at 9bc4979) and upstream's 70,426 bytes (its latest
 *   release, 2.0.0); with the MLflow mirror's client side a project holds when its mirror is on; the API page;
 * - registry writes and reads next to the release plan's section 9 code as written (extracted from the plan
 *   at run time by scripts/bench_registry.py), one more save at 100 / 1,000 / 10,000 models, and the
 *   `registry` command's output size and time at those sizes; the registry found from a notebook three
 *   folders below the project next to the same calls in the project folder;
 * - the daily questions: `registry diff champion best-challenger` and `registry models --where EXPR --sort KEY`
 *   time and output size at 100 / 1,000 / 10,000 models, next to the `models` view on the same registry;
 * - `registry report` (the HTML file) time and size at 100 / 1,000 / 10,000 models, next to the summary view
 *   on the same registry in the same run;
 * - the data fingerprint next to sha256 over the same data as CSV bytes;
 * - the plugin's hooks (registry guard at 100 / 1,000 / 10,000 models, report check) next to starting Python;
 * - the registry journal: a save with its journal line next to the same save without, the journal's size
 *   after 10,000 saves next to the registry file's, and one compaction's time;
 * - a save in a new process against a server on 127.0.0.1 that never answers, next to the mirror off;
 * - the MLflow mirror against a real `mlflow server` on 127.0.0.1: a registry save with the mirror on next
 *   to the same save with it off, and `registry sync` of 500 entries (then a second sync);
 * - what the plugin adds to every request, measured in the real CLI (the first request with the plugin
 *   enabled minus the same request with it disabled), next to `claude plugin details`' estimate;
 * - a Write outside the registry in the real CLI: the time from the scripted model's Write to the CLI's
 *   next request, with the plugin's hooks, with the registry guard on every Write as before it had an
 *   `if`, and with no PreToolUse hook.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPlugin } from "../generator/build.ts";
import { loadReleases } from "../generator/release-loader.ts";
import { releaseEntries, releases } from "../generator/releases/index.ts";
import { installBundle, runClaude } from "../test/harness/claude.ts";
import { measureContextCost } from "../test/harness/context-cost.ts";
import { toolUse } from "../test/harness/stand-in.ts";
import { claudeClient, installAndDescribe } from "./claude-cli.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "mla-bench-"));
/** Sizes of the file a project held before: every project's ml_utils.py on main before the split (9bc4979), and upstream's at its latest release (2.0.0). */
const BEFORE_SPLIT_BYTES = 300_047;
const UPSTREAM_LATEST_BYTES = 70_426;
const SOURCE_FOLDERS = ["agents", "commands", "skills", "plugin-manifests", "templates"].filter((folder) => existsSync(join(root, folder)));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function benchBuild(runs = 7): { buildMs: number; copyMs: number; upstreamMs: number; upstreamCopyMs: number; loadMs: number } {
  const builds: number[] = [];
  const loads: number[] = [];
  const copies: number[] = [];
  const upstream: number[] = [];
  const upstreamCopies: number[] = [];
  const checkout = join(root, "test", "fixtures", "upstream-checkout");
  for (let run = 0; run < runs; run++) {
    builds.push(time(() => buildPlugin({ source: root, out: join(work, `build-${run}`), releases, templateRoot: root })));
    copies.push(time(() => SOURCE_FOLDERS.forEach((folder) => cpSync(join(root, folder), join(work, `copy-${run}`, folder), { recursive: true }))));
    upstream.push(time(() => buildPlugin({ source: checkout, out: join(work, `upstream-${run}`), releases, templateRoot: root })));
    upstreamCopies.push(time(() => cpSync(checkout, join(work, `upstream-copy-${run}`), { recursive: true })));
    loads.push(time(() => loadReleases(releaseEntries, root)));
  }
  return { buildMs: median(builds), copyMs: median(copies), upstreamMs: median(upstream), upstreamCopyMs: median(upstreamCopies), loadMs: median(loads) };
}

function python(): string {
  const prepared = spawnSync(process.execPath, [join(root, "scripts", "python-env.mjs")], { stdio: "inherit" });
  if (prepared.status !== 0) throw new Error("could not prepare the Python environment (.venv)");
  return join(root, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
}

/**
 * Median time of a Write of a new file outside the registry in the real CLI, for the bundle as built,
 * the same bundle with its registry guard on every Write (one handler, no `if`: as before), and with
 * no PreToolUse hook at all: the time from the model's reply holding the Write to the CLI's next
 * request (hooks, permission check, the write, the next request built).
 */
async function benchWrites(bundle: string, n = 15): Promise<{ n: number; plugin: number; unconditional: number; none: number }> {
  const variant = (name: string, preToolUse: unknown) => {
    const copy = join(work, `writes-${name}`);
    cpSync(bundle, copy, { recursive: true });
    const file = join(copy, "ml-automation", "hooks", "hooks.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { hooks: Record<string, unknown> };
    if (preToolUse) data.hooks.PreToolUse = preToolUse;
    else delete data.hooks.PreToolUse;
    writeFileSync(file, JSON.stringify(data, null, 2));
    return copy;
  };
  const guard = { type: "command", command: 'python3 "${CLAUDE_PLUGIN_ROOT}/hooks/registry_guard.py"', timeout: 10 };
  const measure = async (dir: string) => {
    const home = installBundle(dir);
    const project = mkdtempSync(join(work, "writes-project-"));
    const main = [...Array.from({ length: n + 1 }, (_, k) => toolUse("Write", { file_path: join(project, `notes_${k}.json`), content: `{"k": ${k}}` })), "Done."];
    const run = await runClaude({ home, cwd: project, prompt: "Write the notes.", main, args: ["--permission-mode", "acceptEdits", "--allowedTools", "Write"] });
    const at = run.conversation("main").map((request) => request.at);
    rmSync(home, { recursive: true, force: true });
    // The first Write is a warm-up (the CLI loads the tool on first use).
    return median(at.slice(2).map((time, k) => time - at[k + 1]!));
  };
  const none = await measure(variant("none", null));
  const unconditional = await measure(variant("unconditional", [{ matcher: "Write|Edit|MultiEdit", hooks: [guard] }]));
  const plugin = await measure(bundle);
  return { n, plugin, unconditional, none };
}

const ratio = (baseline: number, ours: number) => `${(baseline / ours).toFixed(1)}x`;
const seconds = (value: number) => `${value.toFixed(2)} s`;

try {
  console.log(`ml-automation bench (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`);
  const build = benchBuild();
  console.log("Build (median of 7)");
  console.log(`  npm run build:plugin (in-process)  ${build.buildMs.toFixed(0)} ms`);
  console.log(`  copying the same source tree       ${build.copyMs.toFixed(0)} ms`);
  console.log(`  build / copy                       ${(build.buildMs / build.copyMs).toFixed(1)}x (the build also renders, anchors, re-parses and runs Python to check ml_utils.py)`);
  console.log(`  build of the upstream-style checkout (test/fixtures)  ${build.upstreamMs.toFixed(0)} ms; copying it ${build.upstreamCopyMs.toFixed(1)} ms; ${(build.upstreamMs / build.upstreamCopyMs).toFixed(1)}x`);
  console.log(`  checking the release data when it is loaded (schema, templates, versions)  ${build.loadMs.toFixed(1)} ms; ${((build.loadMs / build.buildMs) * 100).toFixed(1)}% of the build\n`);

  const bundle = join(work, "build-0");
  const runtime = join(bundle, "ml-automation", "templates", "ml_utils.py");
  const templates = join(bundle, "ml-automation", "templates");
  const size = (name: string) => statSync(join(templates, name)).size;
  const library = size("ml_utils.py");
  const mirrorClient = size("ml_utils_mlflow.py");
  const kb = (bytes: number) => `${bytes.toLocaleString("en-US")} B`.padStart(11);
  const py = python();
  // As the model runs it in Claude Code (bin/ml-automation names itself so).
  const apiPage = spawnSync(py, [join(templates, "ml_automation.py"), "api"], { cwd: work, encoding: "utf8", env: { ...process.env, ML_AUTOMATION_CALLED_AS: "ml-automation" } });
  console.log("The file a project holds (ml-automation copy-runtime)");
  console.log(`  ml_utils.py, the library                         ${kb(library)}   (bound 150,000 B)`);
  console.log(`  before the split: one ml_utils.py (main 9bc4979) ${kb(BEFORE_SPLIT_BYTES)}   before/now ${ratio(BEFORE_SPLIT_BYTES, library)}`);
  console.log(`  upstream's latest release (2.0.0)                ${kb(UPSTREAM_LATEST_BYTES)}   now/upstream ${(library / UPSTREAM_LATEST_BYTES).toFixed(1)}x`);
  console.log(`  + ml_utils_mlflow.py, only when the MLflow mirror is on  ${kb(mirrorClient)}   (library + mirror ${kb(library + mirrorClient).trim()})`);
  console.log(`  kept in the plugin: ml_automation.py (the commands)     ${kb(size("ml_automation.py"))}`);
  console.log(`  ml-automation api (what the prose points the model to)  ${kb(Buffer.byteLength(apiPage.stdout, "utf8"))}\n`);
  const planFile = join(root, "..", "shared", "spec", "mlops-registry-layer-plan.md");
  const result = spawnSync(py, [join(root, "scripts", "bench_registry.py"), runtime, planFile], { cwd: work, encoding: "utf8", maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`bench_registry.py failed:\n${result.stderr}`);
  const measured = JSON.parse(result.stdout) as {
    operations: { n: number; ours: Record<string, number>; plan: Record<string, number> };
    discovery: Record<string, Record<string, number>>;
    save_cost_ms: Record<string, { ours: number; plan: number }>;
    cli: Record<string, Record<string, { bytes: number; ms: number; status: number }>>;
    report: Record<string, { report_ms: number; report_bytes: number; summary_ms: number; mermaid_summary_bytes: number; mermaid_lineage_bytes: number }>;
    daily: Record<string, Record<"diff" | "diff --json" | "search" | "models", { ms: number; bytes: number }> & { matches: number; search_ms: number; by_hand_ms: number }>;
    fingerprint: Record<string, number>;
    hooks: { python_start_ms: number; guard: Record<string, { valid_ms: number; refused_ms: number }>; other_file_ms: number; report_check_ms: number };
    journal: {
      n: number;
      save_ms: { off: number; on: number };
      saves: { n: number; models: number; total_s: number; journal_bytes: number; registry_bytes: number; compactions: number; compact_s: number; compacted_bytes: number };
    };
    hung_server: { n: number; save_ms: Record<string, number>; connections: number };
    mirror: {
      n: number;
      import_mlflow_s: number;
      server_start_s: number;
      save_ms: Record<string, { off: number; on: number }>;
      sync: { entries: number; first_s: number; second_s: number; created: Record<string, number>; second_created: number; second_updated: number };
    };
  };
  const { operations, fingerprint } = measured;
  console.log(`Registry: ${operations.n} calls each, one at a time; baseline: the plan's section 9 as written (extracted from ${planFile}, run in the same run)`);
  console.log(`  ${"operation".padEnd(26)}${"ml_utils".padStart(10)}${"plan".padStart(10)}${"plan/ours".padStart(11)}`);
  for (const key of Object.keys(operations.ours)) {
    const ours = operations.ours[key] ?? Number.NaN;
    const plan = operations.plan[key] ?? Number.NaN;
    console.log(`  ${key.padEnd(26)}${seconds(ours).padStart(10)}${seconds(plan).padStart(10)}${ratio(plan, ours).padStart(11)}`);
  }
  const slower = Object.keys(operations.ours).filter((key) => (operations.ours[key] ?? 0) > (operations.plan[key] ?? 0));
  console.log(`  slower than the plan: ${slower.length ? slower.join(", ") : "none"}\n`);

  const [atRoot, below] = Object.values(measured.discovery);
  console.log("The registry found from a notebook three folders below the project (walking up); baseline: the same calls in the project folder, same run");
  for (const key of Object.keys(atRoot ?? {})) {
    const base = atRoot?.[key] ?? Number.NaN;
    const deep = below?.[key] ?? Number.NaN;
    const ms = (value: number) => `${(value * 1000).toFixed(1)} ms`;
    console.log(`  ${key.padEnd(26)}project ${ms(base).padStart(10)}   below ${ms(deep).padStart(10)}   below/project ${(deep / base).toFixed(2)}x`);
  }
  console.log("");

  console.log("One more save_model_entry into a registry of N models (median; the plan: its code as written)");
  for (const [size, cost] of Object.entries(measured.save_cost_ms)) {
    console.log(`  ${size.padStart(6)} models  ml_utils ${cost.ours.toFixed(1).padStart(7)} ms   plan ${cost.plan.toFixed(1).padStart(8)} ms   plan/ours ${ratio(cost.plan, cost.ours)}`);
  }
  console.log("");

  console.log("/registry VIEW as the editor runs it: output bytes / time (N models and N experiments; default output, no --all)");
  const views = Object.keys(Object.values(measured.cli)[0] ?? {});
  console.log(`  ${"view".padEnd(15)}${Object.keys(measured.cli).map((size) => `${size} models`.padStart(22)).join("")}`);
  for (const view of views) {
    const cells = Object.values(measured.cli).map((bySize) => {
      const cell = bySize[view];
      return cell ? `${cell.bytes} B ${cell.ms.toFixed(0)} ms`.padStart(22) : "".padStart(22);
    });
    console.log(`  ${view.padEnd(15)}${cells.join("")}`);
  }
  const largest = Math.max(...Object.values(measured.cli).flatMap((bySize) => Object.entries(bySize).filter(([view]) => !view.endsWith("terminal")).map(([, cell]) => cell.bytes)));
  console.log(`  largest view in the editor: ${largest} bytes (bar: about 4 KB = 4,096 bytes; in a terminal --json gives scripts every entry)\n`);

  console.log("python3 ml_utils.py registry report (N models, N experiments, 50 features; median of 5, 3 at 10,000)");
  console.log("  baseline: the registry summary view on the same registry, same run (it also reads every entry and traces every lineage)");
  console.log(`  ${"models".padStart(6)}${"report".padStart(11)}${"file".padStart(10)}${"summary".padStart(11)}${"report/summary".padStart(16)}${"--mermaid".padStart(11)}${"lineage --mermaid".padStart(19)}`);
  for (const [size, cell] of Object.entries(measured.report)) {
    console.log(`  ${size.padStart(6)}${`${cell.report_ms.toFixed(0)} ms`.padStart(11)}${`${(cell.report_bytes / 1024).toFixed(0)} KB`.padStart(10)}` +
      `${`${cell.summary_ms.toFixed(0)} ms`.padStart(11)}${`${(cell.report_ms / cell.summary_ms).toFixed(1)}x`.padStart(16)}` +
      `${`${cell.mermaid_summary_bytes} B`.padStart(11)}${`${cell.mermaid_lineage_bytes} B`.padStart(19)}`);
  }
  console.log("");

  console.log("Daily questions: registry diff champion best-challenger, and registry models --where EXPR --sort rmse (N models, N experiments; median of 5, 3 at 10,000)");
  console.log("  baseline: the registry models view on the same registry, same run (each reads every entry); search alone: the same filter and sort by hand in Python");
  console.log(`  ${"models".padStart(6)}${"diff".padStart(16)}${"diff --json".padStart(16)}${"search".padStart(16)}${"models".padStart(16)}${"diff/models".padStart(13)}` +
    `${"search/models".padStart(15)}${"search alone".padStart(14)}${"by hand".padStart(10)}`);
  for (const [size, cell] of Object.entries(measured.daily)) {
    const shown = (name: "diff" | "diff --json" | "search" | "models") => `${cell[name].ms.toFixed(0)} ms ${cell[name].bytes} B`.padStart(16);
    console.log(`  ${size.padStart(6)}${shown("diff")}${shown("diff --json")}${shown("search")}${shown("models")}` +
      `${`${(cell.diff.ms / cell.models.ms).toFixed(2)}x`.padStart(13)}${`${(cell.search.ms / cell.models.ms).toFixed(2)}x`.padStart(15)}` +
      `${`${cell.search_ms.toFixed(1)} ms`.padStart(14)}${`${cell.by_hand_ms.toFixed(1)} ms`.padStart(10)}  (${cell.matches} matches)`);
  }
  console.log("");

  const rows = fingerprint.rows ?? 0;
  const rate = (s: number) => `${(rows / s / 1e6).toFixed(1)}M rows/s`;
  console.log(`Data fingerprint: ${rows.toLocaleString("en")} rows x ${fingerprint.columns} mixed columns (best of 3)`);
  console.log(`  compute_data_fingerprint(df), every cell   ${seconds(fingerprint.fingerprint_s ?? 0)}  ${rate(fingerprint.fingerprint_s ?? 0)}`);
  console.log(`  the plan's fingerprint (first/last 100 rows) ${seconds(fingerprint.plan_fingerprint_s ?? 0)}  (hashes 200 rows: misses mid-file changes)`);
  console.log(`  sha256 over the same data as CSV (${((fingerprint.csv_bytes ?? 0) / 1e6).toFixed(0)} MB)  ${seconds(fingerprint.sha256_of_csv_bytes_s ?? 0)}  ${rate(fingerprint.sha256_of_csv_bytes_s ?? 0)}`);
  console.log(`  (writing that CSV, as a CSV-text hash would need: ${seconds(fingerprint.writing_the_csv_s ?? 0)})\n`);

  const { hooks } = measured;
  console.log("Hooks as the editor runs them (a new Python process, JSON on stdin; median of 5; bar: well under a second)");
  console.log(`  baseline: starting python3 -c pass     ${hooks.python_start_ms.toFixed(0)} ms`);
  for (const [size, cell] of Object.entries(hooks.guard)) {
    console.log(`  registry guard, Write of model-registry.json at ${size.padStart(6)} models: valid ${cell.valid_ms.toFixed(0).padStart(5)} ms, refused ${cell.refused_ms.toFixed(0).padStart(5)} ms`);
  }
  console.log(`  registry guard, a file outside the registry  ${hooks.other_file_ms.toFixed(0)} ms`);
  console.log(`  report check, an agent without its report    ${hooks.report_check_ms.toFixed(0)} ms\n`);

  const { journal } = measured;
  console.log(`Registry journal (every acknowledged write appended and fsync'd; median of ${journal.n} saves into a registry of 1,000 models)`);
  console.log(`  baseline: the same save with the journal append switched off, same run`);
  console.log(`  save_model_entry  off ${journal.save_ms.off.toFixed(2).padStart(7)} ms   on ${journal.save_ms.on.toFixed(2).padStart(7)} ms   +${(journal.save_ms.on - journal.save_ms.off).toFixed(2)} ms per save (${ratio(journal.save_ms.on, journal.save_ms.off)})`);
  const saved = journal.saves;
  console.log(`  ${saved.n.toLocaleString("en")} saves of ${saved.models.toLocaleString("en")} models (each saved ${saved.n / saved.models} times) in ${seconds(saved.total_s)}: journal ${kb(saved.journal_bytes).trim()}, ` +
    `model-registry.json ${kb(saved.registry_bytes).trim()} (journal/registry ${(saved.journal_bytes / saved.registry_bytes).toFixed(2)}), ${saved.compactions} compactions`);
  console.log(`  one compaction of it  ${seconds(saved.compact_s)} (to ${kb(saved.compacted_bytes).trim()})\n`);

  const hung = measured.hung_server;
  console.log(`A save in a new process (as each agent step is), median of ${hung.n}; baseline: the same save with the mirror off, same run`);
  for (const [name, ms] of Object.entries(hung.save_ms)) {
    console.log(`  ${name.padEnd(32)} ${seconds(ms / 1000).padStart(8)}   ${ratio(ms, hung.save_ms["mirror off"] ?? ms)} of mirror off`);
  }
  console.log(`  connections the server that never answers received: ${hung.connections} (one per first save: no retry, and the next saves skip it)\n`);

  const { mirror } = measured;
  console.log(`MLflow mirror: mlflow server 3.17.2 on 127.0.0.1 (default uvicorn server, 1 worker, SQLite store, local artifacts; up in ${seconds(mirror.server_start_s)})`);
  console.log(`  baseline: the same save with the mirror off, in the same run (median of ${mirror.n}, after a warm-up save)`);
  for (const [name, cost] of Object.entries(mirror.save_ms)) {
    console.log(`  ${name.padEnd(20)} off ${cost.off.toFixed(1).padStart(7)} ms   on ${cost.on.toFixed(1).padStart(7)} ms   +${(cost.on - cost.off).toFixed(0)} ms per save`);
  }
  console.log(`  importing MLflow's client (once per process, at the first mirrored write)  ${seconds(mirror.import_mlflow_s)}`);
  const made = Object.entries(mirror.sync.created).map(([kind, count]) => `${count} ${kind.replace(/_/g, " ")}`).join(", ");
  console.log(`  registry sync of ${mirror.sync.entries} local entries (100 data versions, 100 features, 150 experiments, 150 models)  ${seconds(mirror.sync.first_s)}: ${made}`);
  console.log(`  the same sync again  ${seconds(mirror.sync.second_s)}: ${mirror.sync.second_created} created, ${mirror.sync.second_updated} updated\n`);

  const details = installAndDescribe(bundle, "ml-automation");
  const cost = await measureContextCost(bundle);
  console.log(`Context cost (real CLI ${claudeClient().version}, temporary HOME, scripted stand-in of the API)`);
  console.log(`  first request with the plugin     ${cost.withPlugin.toLocaleString("en")} characters`);
  console.log(`  the same request, plugin disabled ${cost.withoutPlugin.toLocaleString("en")} characters`);
  console.log(`  added by the plugin               ${cost.added.toLocaleString("en")} characters (bar: 2,400; 3,826 before one listing per workflow)`);
  console.log(`  listing lines                     ${cost.lines.length} (${details.agents.length} agents, ${details.skills.length} skills)`);
  console.log(`  claude plugin details' estimate   ~${details.alwaysOnTokens} tokens\n`);

  const writes = await benchWrites(bundle);
  console.log(`A Write outside the registry (real CLI ${claudeClient().version}: the scripted model's Write to the CLI's next request, median of ${writes.n}, same run)`);
  console.log(`  baseline: no PreToolUse hook                 ${writes.none.toFixed(0)} ms`);
  console.log(`  registry guard on every Write (no \`if\`)     ${writes.unconditional.toFixed(0)} ms  (+${(writes.unconditional - writes.none).toFixed(0)} ms)`);
  console.log(`  the plugin's hooks (guard only below mlops/) ${writes.plugin.toFixed(0)} ms  (+${(writes.plugin - writes.none).toFixed(0)} ms)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
