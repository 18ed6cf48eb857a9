/** The Messages API stand-in on its own: what it records and how it answers, streamed or not. */
import { request } from "node:http";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startStandIn, UNSCRIPTED_REPLY, type StandIn } from "./stand-in.ts";

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

const ask = (text: string, stream = false) => ({ model: "claude-test", stream, messages: [{ role: "user", content: text }] });

describe("the Messages API stand-in", () => {
  it("answers in script order, records every request, and says when the script has no step left", async () => {
    const standIn = await startStandIn([{ reply: "first" }, { reply: "second" }]);
    try {
      const answers = [];
      for (const text of ["a", "b", "c"]) answers.push(JSON.parse((await post(standIn, ask(text))).text).content[0].text);
      expect(answers).toEqual(["first", "second", UNSCRIPTED_REPLY]);
      expect(standIn.requests.map((recorded) => [recorded.body.messages[0]?.content, recorded.step])).toEqual([["a", 0], ["b", 1], ["c", null]]);
      expect(standIn.pending()).toBe(0);
    } finally {
      await standIn.stop();
    }
    expect(existsSync(standIn.socketPath)).toBe(false);
  });

  it("routes a request to the first unused step whose condition accepts it", async () => {
    const standIn = await startStandIn([
      { when: (body) => body.messages[0]?.content === "agent", reply: "for the agent" },
      { reply: (body) => `echo ${String(body.messages[0]?.content)}` },
    ]);
    try {
      expect(JSON.parse((await post(standIn, ask("main"))).text).content[0].text).toBe("echo main");
      expect(JSON.parse((await post(standIn, ask("agent"))).text).content[0].text).toBe("for the agent");
    } finally {
      await standIn.stop();
    }
  });

  it("streams text and tool calls as server-sent events, with generated tool ids and the tool_use stop reason", async () => {
    const standIn = await startStandIn([{ reply: [{ type: "text", text: "running" }, { type: "tool_use", name: "Bash", input: { command: "ls" } }] }]);
    try {
      const answer = await post(standIn, ask("go", true));
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
