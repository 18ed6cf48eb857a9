import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recoverKilledBuilds } from "../../generator/output.ts";
import { readTree, runBuild, tempDir } from "../helpers.ts";

const work = tempDir("mla-killed-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The id of a process that has exited (no process holds it now). */
function deadPid(): number {
  const done = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(done.stdout);
}

/** A build record as the build writes it (its files are not checked here). */
const RECORD = `${JSON.stringify({ generator: "ml-automation-generator", files: {} })}\n`;

function folder(path: string, files: Record<string, string>): void {
  mkdirSync(path, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(path, name, ".."), { recursive: true });
    writeFileSync(join(path, name), text);
  }
}

describe("a build killed while it wrote the bundle", () => {
  it("leaves nothing behind after the next build", () => {
    const parent = join(work, "leftovers");
    const dist = join(parent, "dist");
    expect(runBuild(["--out", dist]).status).toBe(0);
    const bundle = readTree(dist);
    const pid = deadPid();
    // A build writes its record first, then the files in order: killed midway, it left both.
    folder(join(parent, `.dist.building-${pid}-aB3xyz`), { ".build-record.json": RECORD, "agents/half.md": "half written" });
    folder(join(parent, `.dist.building-${pid}-Em9ty`), {});
    // A folder of the same shape that no build wrote (no record) is someone's own: kept.
    folder(join(parent, `.dist.building-${pid}-mynotes`), { "notes.txt": "mine" });
    expect(runBuild(["--out", dist]).status).toBe(0);
    expect(readdirSync(parent).sort()).toEqual([`.dist.building-${pid}-mynotes`, "dist"]);
    expect(readFileSync(join(parent, `.dist.building-${pid}-mynotes`, "notes.txt"), "utf8")).toBe("mine");
    expect(readTree(dist)).toEqual(bundle);
  });

  it("puts back the earlier bundle it had moved aside, and leaves a running build's folders alone", () => {
    const parent = join(work, "moved-aside");
    const target = join(parent, "dist");
    const pid = deadPid();
    folder(join(parent, `.dist.building-${pid}-Qw9e`), { ".build-record.json": RECORD, "a.md": "new, complete" });
    folder(join(parent, `.dist.building-${pid}-Qw9e.previous`), { ".build-record.json": RECORD, "a.md": "the earlier bundle" });
    folder(join(parent, `.dist.building-${process.pid}-Rt5y`), { "a.md": "still being written" });
    folder(join(parent, ".dist.building-notapid"), { "a.md": "not ours" });
    recoverKilledBuilds(target);
    expect(readFileSync(join(target, "a.md"), "utf8")).toBe("the earlier bundle");
    expect(readdirSync(parent).sort()).toEqual([`.dist.building-${process.pid}-Rt5y`, ".dist.building-notapid", "dist"]);
    expect(existsSync(join(parent, `.dist.building-${pid}-Qw9e`))).toBe(false);
  });
});
