/** The built bundle against the real Claude Code CLI: strict validation, a local-marketplace install, the inventory and its context cost. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import semver from "semver";
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

/** The first Claude Code whose validator knows plugin.json's `network` (older ones warn of an unknown field, and ignore it). */
const KNOWS_NETWORK = "2.1.328";
const client = claudeClient();

describe(`claude plugin validate --strict (Claude Code ${client.version})`, () => {
  const knowsNetwork = semver.gte(client.version, KNOWS_NETWORK);

  it.each([["the plugin", "ml-automation"], ["the marketplace", ""]])(
    knowsNetwork ? "passes %s with zero warnings" : "warns about %s of nothing but the network key this client predates (and ignores at load time)",
    (_what, sub) => {
      const result = runClaude(["plugin", "validate", "--strict", join(dist, sub)], home);
      if (knowsNetwork) {
        expect(result.output).toContain("✔ Validation passed");
        expect(result.output).not.toMatch(/warning/i);
        expect(result.status).toBe(0);
      } else {
        expect(result.output).toContain("Found 1 warning");
        expect(result.output).toMatch(/network: Unknown field 'network'\. Claude Code ignores it at load time/);
      }
    },
  );

  it.runIf(knowsNetwork)("passes the plugin directory's checks too (--profile directory: icon, declared hosts)", () => {
    const result = runClaude(["plugin", "validate", "--strict", "--profile", "directory", join(dist, "ml-automation")], home);
    expect(result.output).toContain("✔ Validation passed");
    expect(result.output).toContain("These checks found nothing to report");
    expect(result.output).not.toMatch(/warning|ICON_MISSING|Hosts not declared/i);
    expect(result.status).toBe(0);
  });

  it.runIf(!knowsNetwork)("passes with zero warnings once the network key is taken out (nothing else it does not know)", () => {
    const copy = join(work, "no-network");
    expect(runBuild(["--out", copy]).status).toBe(0);
    const plugin = join(copy, "ml-automation", ".claude-plugin", "plugin.json");
    const { network: _network, ...rest } = JSON.parse(readFileSync(plugin, "utf8")) as Record<string, unknown>;
    writeFileSync(plugin, JSON.stringify(rest, null, 2));
    for (const target of [join(copy, "ml-automation"), copy]) {
      const result = runClaude(["plugin", "validate", "--strict", target], home);
      expect(result.output).toContain("✔ Validation passed");
      expect(result.output).not.toMatch(/warning/i);
    }
  });

  it("finds the icon: a square PNG of 512 pixels drawn from assets/icon.svg", () => {
    const png = readFileSync(join(dist, "ml-automation", "assets", "icon.png"));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
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
