/**
 * A stand-in of the Anthropic Messages API for driving the real Claude Code CLI offline: an HTTP
 * server on a Unix socket (reached from the CLI through a loopback forwarder, see launch.mjs) that
 * records every request body and answers each one from a script of replies: plain text, or tool calls
 * followed by whatever the script says next. Streaming (SSE) and non-streaming answers are both spoken.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A content block the scripted model sends: text, or a call of a tool with its input. */
export type ReplyBlock = { type: "text"; text: string } | { type: "tool_use"; name: string; input: Record<string, unknown> };

/** A reply of one call of the tool `name` with `input`. */
export function toolUse(name: string, input: Record<string, unknown>): ReplyBlock[] {
  return [{ type: "tool_use", name, input }];
}

/** What the scripted model answers: plain text, or blocks (text and tool calls). */
export type Reply = string | ReplyBlock[];

/** One request the CLI sent to /v1/messages, as received. */
export interface RecordedRequest {
  /** Position among all recorded requests, from 0. */
  index: number;
  body: MessagesRequest;
  /** The step of the script that answered it, or null when no step matched (a default text was sent). */
  step: number | null;
}

/** The parts of a Messages API request body the tests read. */
export interface MessagesRequest {
  model: string;
  stream?: boolean;
  system?: string | Array<{ type: string; text?: string }>;
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema?: unknown }>;
}

/** A step of the script: answers the first request it matches (every request when `when` is absent). */
export interface Step {
  when?: (request: MessagesRequest) => boolean;
  reply: Reply | ((request: MessagesRequest) => Reply);
}

/** A running stand-in: where it listens, what it received, and how to stop it. */
export interface StandIn {
  socketPath: string;
  requests: RecordedRequest[];
  /** Steps of the script not used yet. */
  pending(): number;
  stop(): Promise<void>;
}

/** Text answered to a request no step of the script matches. */
export const UNSCRIPTED_REPLY = "(stand-in: no scripted reply for this request)";

/**
 * Starts a stand-in answering from `script`. Each request to /v1/messages is answered by the first
 * unused step whose `when` accepts it; the step is then used up. Tool-call ids are generated
 * (`toolu_<n>`). Other paths answer 404, except a HEAD probe (200) and token counting.
 */
export async function startStandIn(script: Step[]): Promise<StandIn> {
  const folder = mkdtempSync(join(tmpdir(), "mla-api-"));
  const socketPath = join(folder, "api.sock");
  const requests: RecordedRequest[] = [];
  const used = new Set<number>();
  let toolIds = 0;

  const answer = (body: MessagesRequest): { reply: Reply; step: number | null } => {
    const index = script.findIndex((step, i) => !used.has(i) && (!step.when || step.when(body)));
    const step = script[index];
    if (!step) return { reply: UNSCRIPTED_REPLY, step: null };
    used.add(index);
    return { reply: typeof step.reply === "function" ? step.reply(body) : step.reply, step: index };
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((raw) => {
        const path = (request.url ?? "/").split("?")[0];
        if (request.method === "HEAD" || request.method === "GET") return send(response, 200, "application/json", "{}");
        if (path === "/v1/messages/count_tokens") return send(response, 200, "application/json", JSON.stringify({ input_tokens: Math.ceil(raw.length / 4) }));
        if (path !== "/v1/messages") return send(response, 404, "application/json", JSON.stringify({ type: "error", error: { type: "not_found_error", message: path } }));
        const body = JSON.parse(raw) as MessagesRequest;
        const { reply, step } = answer(body);
        requests.push({ index: requests.length, body, step });
        const blocks = (typeof reply === "string" ? [{ type: "text", text: reply } as ReplyBlock] : reply).map((block) =>
          block.type === "tool_use" ? { ...block, id: `toolu_${String(++toolIds).padStart(4, "0")}` } : block,
        );
        const message = {
          id: `msg_${requests.length}`,
          type: "message",
          role: "assistant",
          model: body.model,
          content: blocks,
          stop_reason: blocks.some((block) => block.type === "tool_use") ? "tool_use" : "end_turn",
          stop_sequence: null,
          usage: { input_tokens: Math.ceil(raw.length / 4), output_tokens: 10 },
        };
        if (body.stream) return stream(response, message);
        return send(response, 200, "application/json", JSON.stringify(message));
      })
      .catch((error: unknown) => send(response, 500, "application/json", JSON.stringify({ type: "error", error: { type: "api_error", message: String(error) } })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    requests,
    pending: () => script.length - used.size,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(folder, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": type });
  response.end(body);
}

type Message = { content: Array<ReplyBlock & { id?: string }>; stop_reason: string; usage: { output_tokens: number } } & Record<string, unknown>;

/** Sends `message` as the Messages API's server-sent events. */
function stream(response: ServerResponse, message: Message): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const event = (type: string, data: Record<string, unknown>) => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event("message_start", { message: { ...message, content: [], stop_reason: null } });
  message.content.forEach((block, index) => {
    if (block.type === "text") {
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      event("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    } else {
      event("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    }
    event("content_block_stop", { index });
  });
  event("message_delta", { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  event("message_stop", {});
  response.end();
}
