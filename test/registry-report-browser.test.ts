/**
 * `registry report` opened as a person opens it: from disk, in a real headless browser (the Chromium
 * the npm package @sparticuz/chromium ships, driven by playwright-core; test/harness/browser.ts). A
 * real scikit-learn flow in light, dark and print; a registry of 10,000 models; strings that try to be markup. Every page: no console
 * error, no request but the file itself, the champion and the models in the DOM, one mark per plotted
 * entry. Screenshots (and a PDF) go to test-output/report/ for a person to look at.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { chromiumBrowser } from "./harness/browser.ts";
import { useClientFixture } from "./harness/fixtures.ts";
import { runPython } from "./harness/project.ts";
import { repoRoot } from "./helpers.ts";

// Without the background-networking flags Chromium reaches out on start, which this closed network refuses.
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const OUTPUT = join(repoRoot, "test-output", "report");

interface Opened {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and warnings, uncaught errors, dialogs. */
  problems: string[];
}

const fixture = useClientFixture({ install: false, fill: false });
/** The bundle's runtime folder (templates/, holding ml_utils.py). */
const templates = () => join(fixture.plugin, "templates");

/**
 * Opens `file` in a fresh Chromium profile with the given colour scheme, recording requests and
 * problems, runs `check` on the page, and closes the browser whatever `check` did.
 */
async function inBrowser(file: string, colorScheme: "light" | "dark", check: (opened: Opened) => Promise<void>): Promise<void> {
  const profile = fixture.project(); // an empty folder, removed after the suite
  const browser = chromiumBrowser();
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    env: { ...process.env, ...browser.env },
    headless: true,
    args: FLAGS,
    colorScheme,
    viewport: { width: 1100, height: 900 },
  });
  const requests: string[] = [];
  const problems: string[] = [];
  // Anything that is not the file itself would leave the machine: refuse it (and the test fails on it).
  await context.route((url) => url.protocol !== "file:", (route) => route.abort());
  context.on("request", (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    await check({ page, requests, problems });
  } finally {
    await context.close();
  }
}

/** The report of the registry in `project`, written by the runtime's own command. */
function writeReport(project: string, ...args: string[]): string {
  const result = spawnSync("python3", [join(templates(), "ml_automation.py"), "registry", "report", ...args], { cwd: project, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  const path = /^Wrote the registry report: (.+?) \(/.exec(result.stdout)?.[1];
  expect(path).toBeTruthy();
  return path!;
}

async function attribute(page: Page, selector: string, name: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((nodes, attr) => nodes.map((node) => node.getAttribute(attr) ?? ""), name);
}

/** Writes a full-page screenshot and checks it is a real PNG of some size. */
async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(OUTPUT, name);
  const png = await page.screenshot({ path, fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  expect(statSync(path).size).toBeGreaterThan(20_000);
}

beforeAll(() => {
  chromiumBrowser(); // unpacked once, before the first page
  mkdirSync(OUTPUT, { recursive: true });
});

describe("the report of a real scikit-learn flow", () => {
  let project: string;
  let flow: { champion: string; models: Record<string, number>; experiments: Record<string, number> };
  let report: string;

  beforeAll(() => {
    project = fixture.project();
    mkdirSync(join(project, ".claude"));
    flow = JSON.parse(runPython([join(repoRoot, "test", "fixtures", "report_flow.py"), templates()], project));
    report = writeReport(project);
  });

  it.each(["light", "dark"] as const)("%s: loads nothing, logs nothing, shows the champion, every model and one mark per plotted entry", async (scheme) => {
    await inBrowser(report, scheme, async ({ page, requests, problems }) => {
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(report).href]);
      await expect(page.locator("#champion-id").textContent()).resolves.toBe(flow.champion);
      const body = await page.locator("body").innerText();
      for (const model of Object.keys(flow.models)) {
        expect(await page.locator(`#models tr[id="model-${model}"]`).count(), model).toBe(1);
        expect(body).toContain(model);
      }
      // Challengers vs champion: every other model, the best f1 first, each drawn as a visible bar.
      const others = Object.entries(flow.models).filter(([model]) => model !== flow.champion).sort((a, b) => b[1] - a[1]);
      expect(await attribute(page, "#challengers-chart rect.mark", "data-entry")).toEqual(others.map(([model]) => model));
      for (const box of await page.locator("#challengers-chart rect.mark").evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().width))) {
        expect(box).toBeGreaterThan(0.5);
      }
      // The promotion policy kept the leaky model (better f1, a feature flagged high) out: it is the one better bar.
      expect(await attribute(page, "#challengers-chart rect.mark.better", "data-entry")).toEqual(["model_boosting_leaky"]);
      expect(await page.locator("#challengers-chart rect.mark.worse").count()).toBe(others.length - 1);
      // The metric over time: one point per experiment, the champion's ringed.
      expect((await attribute(page, "#over-time-chart circle.mark", "data-entry")).sort()).toEqual(Object.keys(flow.experiments).sort());
      expect(await attribute(page, "#over-time-chart circle.mark.champion", "data-entry")).toEqual(["exp_random_forest"]);
      // Lineage: one node per model, the notebook model's missing experiment and feature drawn as gaps.
      expect((await attribute(page, "#lineage-graph g.node.model", "data-entry")).sort()).toEqual(Object.keys(flow.models).sort());
      expect(await page.locator("#lineage-graph g.node.gap text.title").allTextContents()).toEqual(["1 of 2 in the store", "not logged"]);
      expect(await page.locator("#features .badge.flag").count()).toBeGreaterThanOrEqual(2);
      // Nothing wider than the window, colours from the scheme.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe(scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)");
      await screenshot(page, `flow-${scheme}.png`);
    });
  });

  it("prints: the navigation is left out and Chromium makes a PDF of it", async () => {
    await inBrowser(report, "dark", async ({ page, problems }) => {
      await page.emulateMedia({ media: "print" });
      expect(await page.locator("nav").evaluate((nav) => getComputedStyle(nav).display)).toBe("none");
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(255, 255, 255)");
      const pdf = await page.pdf({ path: join(OUTPUT, "flow.pdf"), format: "A4", printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
      expect(pdf.length).toBeGreaterThan(20_000);
      expect(problems).toEqual([]);
    });
  });
});

describe("a difference of 0.0009 in f1 on 114 test rows", () => {
  it("is drawn as small as it is: bars and axes from zero, the gap inside the champion's sampling noise", async () => {
    const project = fixture.project();
    // The champion won by 0.0009 (weighted F1 on 114 test rows); the other model was the champion before.
    runPython(["-c", `
import sys; sys.path.insert(0, ${JSON.stringify(templates())})
import ml_utils as mu
def metrics(f1): return {"test": {"accuracy": f1, "precision": f1, "recall": f1, "f1": f1, "auc_roc": 0.99, "n_test": 114}}
for name, f1 in (("logreg", 0.9641), ("forest", 0.9650)):
    mu.save_experiment({"experiment_id": "exp_" + name, "task_type": "classification", "metrics": metrics(f1)})
    mu.save_model_entry({"model_id": "model_" + name, "task_type": "classification", "metrics": metrics(f1), "training_experiment_id": "exp_" + name})
    mu.promote_model("model_" + name)
`], project);
    const report = writeReport(project);
    await inBrowser(report, "light", async ({ page, problems }) => {
      expect(problems).toEqual([]);
      const chart = page.locator("#challengers-chart");
      // The axis runs from zero to 1, the best an f1 can be: nothing is zoomed to the data.
      expect([await chart.getAttribute("data-low"), await chart.getAttribute("data-high")]).toEqual(["0", "1"]);
      const width = async (selector: string) => (await page.locator(selector).boundingBox())!.width;
      const champion = await width("#challengers-chart rect.champion-bar");
      const challenger = await width("#challengers-chart rect.mark");
      const axis = await width("#challengers-chart") * Number(await chart.getAttribute("data-plot")) / 960;
      // Each bar is as long as its value (0.965 and 0.964 of the axis), so the two differ by 0.1% of it: under a pixel.
      expect(champion / axis).toBeCloseTo(0.965, 2);
      expect(challenger / axis).toBeCloseTo(0.9641, 2);
      expect(Math.abs(champion - challenger)).toBeLessThan(1);
      // The text says how small, and the band says it is within the noise of 114 rows (±0.017).
      await expect(page.locator("#challengers-chart").innerHTML()).resolves.toContain("worse by 0.0009");
      const band = await width("#challengers-chart rect.noise");
      expect(band / axis).toBeCloseTo(2 * Math.sqrt((0.965 * 0.035) / 114), 2);
      expect(band).toBeGreaterThan(10 * Math.abs(champion - challenger));
      await expect(page.locator("#challengers-noise").innerText()).resolves.toMatch(/±1 standard error of the champion's value on its 114 rows \(0\.017/);
      await expect(page.locator("#challengers").innerText()).resolves.toContain("f1 (weighted, test)");
      // Over time: the axis starts at zero too, so the two runs sit at (nearly) the same height.
      const overTime = page.locator("#over-time-chart");
      expect(await overTime.getAttribute("data-low")).toBe("0");
      const heights = await page.locator("#over-time-chart circle.mark").evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().y + n.getBoundingClientRect().height / 2));
      expect(heights).toHaveLength(2);
      expect(Math.abs(heights[0]! - heights[1]!)).toBeLessThan(1);
      await expect(page.locator("#over-time").innerText()).resolves.toContain("a spread of 0.0009");
      await screenshot(page, "small-difference-light.png");
    });
  });
});

describe("the report of 10,000 models", () => {
  it("stays bounded: the best 20 bars, a histogram of all, at most 300 points, 30 models in the graph", async () => {
    const project = fixture.project();
    runPython([join(repoRoot, "test", "fixtures", "synthetic_registry.py"), project, "10000"], project);
    const report = writeReport(project);
    await inBrowser(report, "light", async ({ page, requests, problems }) => {
      expect(problems).toEqual([]);
      expect(requests).toHaveLength(1);
      await expect(page.locator("#champion-id").textContent()).resolves.toBe("model_05000");
      expect(await page.locator("#challengers-chart rect.mark").count()).toBe(20);
      const counts = await attribute(page, "#challengers-distribution rect.mark", "data-count");
      expect(counts.reduce((sum, count) => sum + Number(count), 0)).toBe(9_999);
      const points = await page.locator("#over-time-chart circle.mark").count();
      expect(points).toBeLessThanOrEqual(300);
      expect(String(points)).toBe(await page.locator("#over-time-chart").getAttribute("data-plotted"));
      const runs = await attribute(page, "#over-time-chart circle.mark", "data-runs");
      expect(runs.reduce((sum, count) => sum + Number(count), 0)).toBe(9_896);
      expect(await page.locator("#lineage-graph g.node.model").count()).toBe(30);
      expect(await page.locator("#models tr[id^='model-']").count()).toBe(25);
      await expect(page.locator("#models").innerText()).resolves.toContain("and 9,975 more");
      expect(statSync(report).size).toBeLessThan(250_000);
      await screenshot(page, "10000-models-light.png");
    });
  });
});

describe("strings from the registry that look like markup", () => {
  it("are shown as text: no script runs, nothing is fetched", async () => {
    const project = fixture.project();
    const hostile = `<img src="http://127.0.0.1:9/x.png" onerror="alert(1)"><script>alert(2)</script>`;
    const style = `<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><style>body{display:none}</style>`;
    runPython(["-c", `
import sys; sys.path.insert(0, ${JSON.stringify(templates())})
import ml_utils as mu
fp = "sha256:" + "ef" * 32
mu.save_data_version({"fingerprint": fp, "source_path": ${JSON.stringify(hostile)}, "rows": 3, "columns": 2})
mu.save_feature_entries([{"feature_id": "f1", "domain": ${JSON.stringify(style)}, "leakage_risk": "high"}])
mu.save_model_entry({"model_id": "m1", "name": ${JSON.stringify(style)}, "task_type": "regression", "algorithm": ${JSON.stringify(hostile)},
                     "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.5}, "rationale": {"why": ${JSON.stringify(hostile + style)}},
                     "feature_set": ["f1"], "data_fingerprint": fp})
mu.promote_model("m1", override_reason="<b>markup</b> in the reason too")
`], project);
    const report = writeReport(project);
    await inBrowser(report, "light", async ({ page, requests, problems }) => {
      expect(problems).toEqual([]);
      expect(requests).toEqual([pathToFileURL(report).href]);
      expect(await page.locator("main img, main script, main link, main iframe").count()).toBe(0);
      expect(await page.locator("body").isVisible()).toBe(true);
      await expect(page.locator("#champion").innerText()).resolves.toContain(hostile + style);
      await expect(page.locator("#data").innerText()).resolves.toContain(hostile.slice(0, 60));
    });
  });
});
