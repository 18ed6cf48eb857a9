/** The built bundle against the real Claude Code CLI: strict validation, a local-marketplace install, the inventory and its context cost. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAUDE_CODE_HOOK_EVENTS } from "../generator/hook-handlers.ts";
import { currentRelease } from "../generator/releases/index.ts";
import { claudeClient, installAndDescribe, runClaude } from "../scripts/claude-cli.ts";
import { runBuild, tempDir } from "./helpers.ts";

const work = tempDir("mla-claude-");
const dist = join(work, "dist");
const home = mkdtempSync(join(tmpdir(), "mla-home-"));
beforeAll(() => expect(runBuild(["--out", dist]).status).toBe(0));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const client = claudeClient();

describe(`claude plugin validate --strict (Claude Code ${client.version})`, () => {
  it.each([["the plugin", "ml-automation"], ["the marketplace", ""]])("passes %s with zero warnings", (_what, sub) => {
    const result = runClaude(["plugin", "validate", "--strict", join(dist, sub)], home);
    expect(result.output).toContain("✔ Validation passed");
    expect(result.output).not.toMatch(/warning/i);
    expect(result.status).toBe(0);
  });

  it("passes the plugin directory's checks too (--profile directory: icon, declared hosts)", () => {
    const result = runClaude(["plugin", "validate", "--strict", "--profile", "directory", join(dist, "ml-automation")], home);
    expect(result.output).toContain("✔ Validation passed");
    expect(result.output).toContain("These checks found nothing to report");
    expect(result.output).not.toMatch(/warning|ICON_MISSING|Hosts not declared/i);
    expect(result.status).toBe(0);
  });

  it("finds the icon: a square PNG of 512 pixels drawn from assets/icon.svg", () => {
    const png = readFileSync(join(dist, "ml-automation", "assets", "icon.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });

  it("knows every hook event a release may add a handler on (the release schema's list), and calls another one unknown", () => {
    const probe = join(work, "hook-events");
    mkdirSync(join(probe, ".claude-plugin"), { recursive: true });
    mkdirSync(join(probe, "hooks"));
    writeFileSync(join(probe, ".claude-plugin", "plugin.json"), JSON.stringify({ name: "hook-events", version: "0.0.1", description: "Hook events probe." }));
    const handler = [{ hooks: [{ type: "command", command: "true" }] }];
    const events = [...CLAUDE_CODE_HOOK_EVENTS, "PreTooluse"];
    writeFileSync(join(probe, "hooks", "hooks.json"), JSON.stringify({ hooks: Object.fromEntries(events.map((event) => [event, handler])) }));
    const result = runClaude(["plugin", "validate", join(probe)], home);
    expect([...result.output.matchAll(/hooks\.(\w+): unknown hook event/g)].map((match) => match[1])).toEqual(["PreTooluse"]);
  });

  it("fails on a broken manifest (the check can fail)", () => {
    const broken = join(work, "broken");
    expect(runBuild(["--out", broken]).status).toBe(0);
    const manifest = join(broken, "ml-automation", ".claude-plugin", "plugin.json");
    writeFileSync(manifest, '{"name": "ml-automation", "version": 7}');
    expect(runClaude(["plugin", "validate", "--strict", join(broken, "ml-automation")], home).status).not.toBe(0);
  });
});

describe("installed from the local marketplace", () => {
  it("lists 10 agents and the registry skill, at the current release's version, within 1,000 always-on tokens", () => {
    const details = installAndDescribe(dist, "ml-automation");
    expect(details.version).toBe(currentRelease.version);
    expect(details.agents.sort()).toEqual([
      "assigner", "brutal-code-reviewer", "developer", "eda-analyst", "feature-engineering-analyst", "frontend-ux-analyst",
      "ml-theory-advisor", "mlops-engineer", "orchestrator", "pr-approver",
    ]);
    expect(details.skills.filter((name) => name === "registry")).toHaveLength(1);
    // Every workflow of the bundle (skills, and any command left), whatever the releases add.
    const listed = (folder: string) => (existsSync(join(dist, "ml-automation", folder)) ? readdirSync(join(dist, "ml-automation", folder)).length : 0);
    expect(details.skills).toHaveLength(listed("skills") + listed("commands"));
    expect(details.alwaysOnTokens).toBeGreaterThan(0);
    expect(details.alwaysOnTokens).toBeLessThanOrEqual(1000);
  });
});
