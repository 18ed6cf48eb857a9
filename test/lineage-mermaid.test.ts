/**
 * `registry lineage MODEL_ID --mermaid` and `registry --mermaid` parsed by Mermaid's own parser (the
 * `mermaid` package; a jsdom window gives it the DOM its label sanitiser needs): a real
 * scikit-learn flow, labels holding every character that has a meaning in Mermaid, and a registry of
 * 10,000 models.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JSDOM } from "jsdom";
import { beforeAll, describe, expect, it } from "vitest";
import { useClientFixture } from "./harness/fixtures.ts";
import { runPython } from "./harness/project.ts";
import { repoRoot } from "./helpers.ts";

interface Vertex {
  id: string;
  text: string;
  classes: string[];
}
interface Flowchart {
  vertices: Vertex[];
  edges: Array<[string, string]>;
}

const fixture = useClientFixture({ install: false, fill: false });
/** The bundle's runtime folder (templates/, holding ml_utils.py). */
const templates = () => join(fixture.plugin, "templates");
let mermaid: typeof import("mermaid").default;

/** Runs `python3 ml_utils.py registry ARGS` in `cwd`. */
function registry(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("python3", [join(templates(), "ml_automation.py"), "registry", ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The one ```mermaid block of `output` (throws when there is not exactly one). */
function block(output: string): string {
  const blocks = [...output.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)];
  expect(blocks).toHaveLength(1);
  return blocks[0]![1]!;
}

/** Mermaid's entity codes (#34;) are kept as placeholders in the parsed text until rendering: undo them. */
function decode(text: string): string {
  return text.replace(/ﬂ°°(\d+)¶ß/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

/** Parses `text` with Mermaid (throws on a syntax error) and returns its vertices and edges. */
async function parse(text: string): Promise<Flowchart> {
  await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: "flowchart-v2" });
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as { getVertices(): Map<string, { text: string; classes: string[] }>; getEdges(): Array<{ start: string; end: string }> };
  return {
    vertices: [...db.getVertices().entries()].map(([id, vertex]) => ({ id, text: decode(vertex.text), classes: vertex.classes })),
    edges: db.getEdges().map((edge) => [edge.start, edge.end]),
  };
}

beforeAll(async () => {
  // DOMPurify, which Mermaid runs on every label, looks for a window when it is imported.
  Object.assign(globalThis, { window: new JSDOM("").window });
  mermaid = (await import("mermaid")).default;
  mermaid.initialize({ startOnLoad: false });
});

it("Mermaid's parser refuses a label whose quote is not escaped (the check below can fail)", async () => {
  await expect(mermaid.parse('flowchart LR\n  n0["data/"raw".csv"] --> n1')).rejects.toThrow(/Parse error/);
});

describe("a real scikit-learn flow", () => {
  let project: string;
  let flow: { champion: string; models: Record<string, number> };
  const source = 'data/breast cancer "raw" [v1] #1 données.csv';

  beforeAll(() => {
    project = fixture.project();
    mkdirSync(join(project, ".claude"));
    flow = JSON.parse(runPython([join(repoRoot, "test", "fixtures", "report_flow.py"), templates()], project));
  });

  it("lineage MODEL_ID --mermaid: data version -> features -> experiment -> model, the gaps dashed", async () => {
    const shown = registry(project, "lineage", "model_notebook_svc", "--mermaid");
    expect(shown.status).toBe(0);
    const chart = await parse(block(shown.stdout));
    expect(chart.vertices.map((vertex) => vertex.text.split("<br>")[0])).toEqual([
      `Data version: ${source}`,
      "Features: 1 of 2 in the store",
      "Experiment: not logged",
      "Model: model_notebook_svc",
    ]);
    expect(chart.edges).toEqual([["n0", "n1"], ["n1", "n2"], ["n2", "n3"]]);
    expect(chart.vertices.filter((vertex) => vertex.classes.includes("gap")).map((vertex) => vertex.id)).toEqual(["n1", "n2"]);
    expect(shown.stdout).toContain("- experiment exp_notebook_svc is not logged");
  });

  it("the champion's lineage is complete and drawn bold", async () => {
    const shown = registry(project, "lineage", flow.champion, "--mermaid");
    const chart = await parse(block(shown.stdout));
    expect(chart.vertices.find((vertex) => vertex.classes.includes("champion"))?.text).toMatch(new RegExp(`^Model: ${flow.champion}<br>champion · f1 ${String(Number(flow.models[flow.champion]!.toPrecision(5))).replace(".", "\\.")} \\(weighted, unknown split\\)`));
    expect(chart.vertices.some((vertex) => vertex.classes.includes("gap"))).toBe(false);
    expect(shown.stdout.trimEnd().endsWith("Lineage: complete")).toBe(true);
  });

  it("registry --mermaid: every model of a small registry, data versions and feature sets drawn once", async () => {
    const shown = registry(project, "--mermaid");
    expect(shown.status).toBe(0);
    const chart = await parse(block(shown.stdout));
    const models = chart.vertices.filter((vertex) => vertex.text.startsWith("Model: ")).map((vertex) => vertex.text.split("<br>")[0]!.slice(7));
    expect(models.sort()).toEqual(Object.keys(flow.models).sort());
    // 2 data versions, 3 feature sets (the shared one, the leaky one, the notebook's), 7 experiments (one not logged), 7 models
    const kinds = ["Data version", "Features", "Experiment", "Model"].map((kind) => chart.vertices.filter((vertex) => vertex.text.startsWith(`${kind}: `)).length);
    expect(kinds).toEqual([2, 3, 7, 7]);
    expect(chart.edges).toHaveLength(3 + 7 + 7);
    expect(shown.stdout).toContain("- Lineage diagram (the champion, best challengers, models with gaps, the most recent): 7 of 7 models");
  });
});

describe("labels from real data hold any character", () => {
  const odd = {
    source: 'a "b" [c] (d) {e} <f> & #g; `h` \\ i|j ; end %% k',
    algorithm: 'Pipe"line<i>`x`</i>; click',
    features: ["end", 'x"y', "[z]", "a;b", "<b>é</b>", "😀 #35;", "subgraph", "%%init%%"],
  };

  it("every label parses and reads back as written", async () => {
    const project = fixture.project();
    runPython(["-c", `
import sys; sys.path.insert(0, ${JSON.stringify(templates())})
import ml_utils as mu
odd = ${JSON.stringify(odd)}
fp = "sha256:" + "ab" * 32
mu.save_data_version({"fingerprint": fp, "source_path": odd["source"] + "\\nline two\\u2028three", "rows": 5, "columns": 2})
mu.save_experiment({"experiment_id": "exp-1.v2", "task_type": "regression", "model": {"algorithm": odd["algorithm"]}, "metrics": {"test": {"rmse": 2.5}}})
mu.save_model_entry({"model_id": "m.1-final_v2", "task_type": "regression", "metrics": {"rmse": 2.5, "mae": 1.0, "r2": 0.5},
                     "feature_set": odd["features"], "training_experiment_id": "exp-1.v2", "data_fingerprint": fp})
`], project);
    const shown = registry(project, "lineage", "m.1-final_v2", "--mermaid");
    expect(shown.status).toBe(0);
    const chart = await parse(block(shown.stdout));
    const [data, features, experiment, model] = chart.vertices.map((vertex) => vertex.text.split("<br>"));
    expect(data![0]).toBe(`Data version: ${odd.source} line two three`.slice(0, 14 + 59) + "…");
    expect(features).toEqual(["Features: 0 of 8 in the store", `${odd.features.slice(0, 4).join(", ")}, …`]);
    expect(experiment).toEqual(["Experiment: exp-1.v2", `${odd.algorithm} · rmse 2.5 (test)`]);
    expect(model![0]).toBe("Model: m.1-final_v2");
    expect(chart.edges).toHaveLength(3);
  });

  it("a hand-written registry with an unpaired surrogate and control characters", async () => {
    const project = fixture.project();
    const folder = join(project, "mlops");
    mkdirSync(join(folder, "data-versions"), { recursive: true });
    const fp = `sha256:${"cd".repeat(32)}`;
    writeFileSync(join(folder, "data-versions", `${"cd".repeat(32)}.json`), `{"fingerprint": "${fp}", "source_path": "x\\ud800y\\u0007z\\ttab"}`);
    writeFileSync(join(folder, "model-registry.json"), `{"version": "1.0", "models": [\n{"model_id": "m1", "task_type": "regression", "data_fingerprint": "${fp}", "feature_set": "not a list", "metrics": {"rmse": "n/a"}}\n]}\n`);
    const shown = registry(project, "lineage", "m1", "--mermaid");
    expect(shown.status, shown.stderr).toBe(0);
    const chart = await parse(block(shown.stdout));
    expect(chart.vertices[0]!.text.split("<br>")[0]).toBe("Data version: x?y z tab");
    expect(chart.vertices[1]!.text).toBe("Features: none listed<br>no feature_set");
    expect(chart.vertices[3]!.text).toBe("Model: m1<br>? · rmse n/a (unknown split)<br>gap: required regression metrics missing: mae, r2");
  });
});

describe("registry text that is Mermaid syntax", () => {
  it("%%{init ...}%% in a label is text, not a directive (no theme, no CSS injected)", async () => {
    const project = fixture.project();
    const directive = `%%{init: {"theme": "dark", "themeCSS": ".node rect {fill: red}"}}%%`;
    runPython(["-c", `
import sys; sys.path.insert(0, ${JSON.stringify(templates())})
import ml_utils as mu
fp = "sha256:" + "ef" * 32
mu.save_data_version({"fingerprint": fp, "source_path": ${JSON.stringify(directive)}, "rows": 5, "columns": 2})
mu.save_experiment({"experiment_id": "e1", "task_type": "regression", "model": {"algorithm": "%%{wrap}%%"}, "metrics": {"test": {"rmse": 2.5}}})
mu.save_model_entry({"model_id": "m1", "task_type": "regression", "metrics": {"rmse": 2.5, "mae": 1.0, "r2": 0.5}, "training_experiment_id": "e1", "data_fingerprint": fp})
`], project);
    for (const args of [["lineage", "m1", "--mermaid"], ["--mermaid"]]) {
      const shown = registry(project, ...args);
      expect(shown.status, shown.stderr).toBe(0);
      const text = block(shown.stdout);
      expect(await mermaid.parse(text)).toEqual({ diagramType: "flowchart-v2", config: {} });
      const chart = await parse(text);
      expect(chart.vertices[0]!.text.split("<br>")[0]).toMatch(/^Data version: %%\{init: \{"theme": "dark", "themeCSS": ".node rect \{fill: r…$/);
      expect(chart.vertices[2]!.text).toContain("%%{wrap}%%");
    }
  });
});

describe("10,000 models", () => {
  let project: string;

  beforeAll(() => {
    project = fixture.project();
    runPython([join(repoRoot, "test", "fixtures", "synthetic_registry.py"), project, "10000"], project);
  });

  it("registry --mermaid fits 4 KB with whole diagrams that parse", async () => {
    const shown = registry(project, "--mermaid");
    expect(Buffer.byteLength(shown.stdout)).toBeLessThanOrEqual(4096);
    const chart = await parse(block(shown.stdout));
    const drawn = chart.vertices.filter((vertex) => vertex.text.startsWith("Model: "));
    expect(shown.stdout).toContain(`: ${drawn.length} of 10,000 models`);
    expect(drawn[0]!.text).toMatch(/^Model: model_05000<br>champion/);
  });

  it("--all draws at most 100 models: within Mermaid's 500 edges and 50,000 characters", async () => {
    const shown = registry(project, "summary", "--mermaid", "--all");
    const text = block(shown.stdout);
    expect(text.length).toBeLessThan(50_000);
    const chart = await parse(text);
    expect(chart.vertices.filter((vertex) => vertex.text.startsWith("Model: "))).toHaveLength(100);
    expect(chart.edges.length).toBeLessThanOrEqual(500);
    expect(shown.stdout).toContain("100 of 10,000 models");
  });
});
