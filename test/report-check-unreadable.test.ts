/**
 * The report check (SubagentStop) tells an agent whose report the report bus cannot read (not JSON)
 * to save it again, instead of treating the unreadable report as its own failure and saying nothing.
 * Found in review.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runClaude } from "./harness/claude.ts";
import { pathWithVenv } from "./harness/project.ts";
import type { MessagesRequest, Step } from "./harness/stand-in.ts";
import { isSubagent, userText } from "./harness/transcript.ts";
import { useClientFixture } from "./harness/fixtures.ts";

const fixture = useClientFixture({ fill: false });

it("an agent whose report on the bus is not valid JSON is told so before it stops", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "mla-report-broken-"));
  try {
    mkdirSync(join(cwd, "reports"));
    writeFileSync(join(cwd, "reports", "eda-analyst_report.json"), '{"status": "completed", "summary": "120 rows"');
    const main = (request: MessagesRequest) => !isSubagent(request);
    const agent = (request: MessagesRequest) => isSubagent(request);
    const script: Step[] = [
      { when: main, reply: [{ type: "tool_use", name: "Agent", input: { subagent_type: "ml-automation:eda-analyst", description: "profile", prompt: "Profile data/sales.csv." } }] },
      { when: agent, reply: "Profiled the data." },
      { when: agent, reply: "Report fixed." },
      { when: main, reply: "The EDA is done." },
    ];
    const run = await runClaude({ home: fixture.home, cwd, prompt: "Profile the data.", script, args: ["--permission-mode", "acceptEdits"], env: { PATH: pathWithVenv() } });
    expect(run.timedOut).toBe(false);
    const told = run.requests.some((request) => isSubagent(request.body) && userText(request.body).includes("ml-automation report check"));
    expect(told).toBe(true);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
