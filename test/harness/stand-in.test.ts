/** The Messages API stand-in on its own: what it records and how it answers, streamed or not. */
import { request } from "node:http";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SIDE_REPLY, startStandIn, toolUse, UNSCRIPTED_REPLY, WAIT_REPLY, type StandIn } from "./stand-in.ts";

function post(standIn: StandIn, body: unknown): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const call = request({ socketPath: standIn.socketPath, path: "/v1/messages?beta=true", method: "POST", headers: { "content-type": "application/json" } }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, type: String(response.headers["content-type"]), text }));
    });
    call.on("error", reject);
    call.end(JSON.stringify(body));
  });
}

const TOOLS = [{ name: "Bash" }, { name: "Agent" }];
const SUBAGENT = "x-anthropic-billing-header: cc_version=2.1.332; cc_is_subagent=true;\nYou are the EDA analyst.";
type Message = { role: string; content: string | Array<Record<string, unknown>> };
const ask = (messages: Message[], extra: Record<string, unknown> = {}) => ({ model: "claude-test", stream: false, tools: TOOLS, messages, ...extra });
const user = (text: string): Message => ({ role: "user", content: text });
const said = (text: string): Message => ({ role: "assistant", content: [{ type: "text", text }] });
const textOf = async (standIn: StandIn, body: unknown) => {
  const content = JSON.parse((await post(standIn, body)).text).content as Array<Record<string, unknown>>;
  return content[0]!.type === "text" ? String(content[0]!.text) : content[0]!;
};

describe("the Messages API stand-in", () => {
  it("answers each request of the main conversation from its turn (its replies so far), not from when it arrives", async () => {
    const standIn = await startStandIn({ main: ["first", "second"] });
    try {
      // Turn 1 asked before turn 0, then turn 0 asked twice (a client retry): each gets its own reply.
      expect(await textOf(standIn, ask([user("go"), said("first"), user("more")]))).toBe("second");
      expect(await textOf(standIn, ask([user("go")]))).toBe("first");
      expect(await textOf(standIn, ask([user("go")]))).toBe("first");
      expect(await textOf(standIn, ask([user("go"), said("first"), user("more"), said("second"), user("again")]))).toBe(UNSCRIPTED_REPLY);
      expect(standIn.requests.map(({ conversation, turn, answer }) => [conversation, turn, answer])).toEqual([
        ["main", 1, "turn"], ["main", 0, "turn"], ["main", 0, "turn"], ["main", null, "unscripted"],
      ]);
      expect(standIn.unusedTurns()).toEqual([]);
    } finally {
      await standIn.stop();
    }
    expect(existsSync(standIn.socketPath)).toBe(false);
  });

  it("answers a subagent from the script of the type its Agent call named, found through the prompt it was started with", async () => {
    const spawn = (type: string, prompt: string) => toolUse("Agent", { subagent_type: type, description: type, prompt });
    const standIn = await startStandIn({
      main: [spawn("eda", "Profile sales.csv."), spawn("dev", "Train a model."), (body) => `main saw ${body.messages.length} messages`],
      agents: { eda: ["profiled"], dev: ["trained", "trained twice"] },
    });
    try {
      expect(await textOf(standIn, ask([user("start")]))).toMatchObject({ name: "Agent" });
      expect(await textOf(standIn, ask([user("start"), said("x"), user("agent answered")]))).toMatchObject({ name: "Agent" });
      const agent = (prompt: string, ...more: Message[]) => ask([user(`<system-reminder>context</system-reminder>\n${prompt}`), ...more], { system: [{ type: "text", text: SUBAGENT }] });
      expect(await textOf(standIn, agent("Train a model.", said("trained"), user("hook says: report missing")))).toBe("trained twice");
      expect(await textOf(standIn, agent("Profile sales.csv."))).toBe("profiled");
      expect(await textOf(standIn, agent("Some prompt nobody gave."))).toBe(UNSCRIPTED_REPLY);
      expect(standIn.requests.slice(2).map(({ conversation, turn }) => [conversation, turn])).toEqual([["dev", 1], ["eda", 0], [null, null]]);
      expect(standIn.unusedTurns()).toEqual(["main turn 2", "dev turn 0"]);
    } finally {
      await standIn.stop();
    }
  });

  it("gives a side request (no tools offered) a neutral answer, and waits, without using a turn, when the only news is a background agent's launch", async () => {
    const standIn = await startStandIn({ main: ["spawned", "after the agent"] });
    try {
      expect(await textOf(standIn, { model: "claude-test", messages: [user("Write a 5-word title for this conversation.")] })).toBe(SIDE_REPLY);
      const launched = { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_0001", content: [{ type: "text", text: "Async agent launched successfully.\nagentId: a1" }] }] };
      expect(await textOf(standIn, ask([user("go"), said("spawned"), launched]))).toBe(WAIT_REPLY);
      const notified = user("<system-reminder>\n<task-notification>\n<task-id>a1</task-id>done</task-notification></system-reminder>");
      expect(await textOf(standIn, ask([user("go"), said("spawned"), launched, said(WAIT_REPLY), notified]))).toBe("after the agent");
      expect(standIn.requests.map(({ conversation, turn, answer }) => [conversation, turn, answer])).toEqual([["side", null, "side"], ["main", null, "wait"], ["main", 1, "turn"]]);
    } finally {
      await standIn.stop();
    }
  });

  it("streams text and tool calls as server-sent events, with generated tool ids and the tool_use stop reason", async () => {
    const standIn = await startStandIn({ main: [[{ type: "text", text: "running" }, { type: "tool_use", name: "Bash", input: { command: "ls" } }]] });
    try {
      const answer = await post(standIn, ask([user("go")], { stream: true }));
      expect(answer.type).toContain("text/event-stream");
      const events = answer.text.split("\n\n").filter(Boolean).map((chunk) => JSON.parse(chunk.split("\n")[1]!.slice("data: ".length)));
      expect(events.map((event) => event.type)).toEqual([
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
      ]);
      expect(events[4].content_block).toMatchObject({ type: "tool_use", id: "toolu_0001", name: "Bash" });
      expect(JSON.parse(events[5].delta.partial_json)).toEqual({ command: "ls" });
      expect(events[7].delta.stop_reason).toBe("tool_use");
    } finally {
      await standIn.stop();
    }
  });
});
