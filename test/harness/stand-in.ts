/**
 * A stand-in of the Anthropic Messages API for driving the real Claude Code CLI offline: an HTTP
 * server on a Unix socket (reached from the CLI through a loopback forwarder, see launch.mjs) that
 * records every request body and answers it from the script of the conversation it belongs to.
 *
 * A request is placed by what it is, never by when it arrives: the main conversation, a subagent
 * (recognised by the Agent call that started it: its `subagent_type`, found through its prompt), or a
 * side request the client makes on its own (no tools offered: titles, summaries, topics), which gets a
 * short neutral answer. Its turn in that conversation is the number of scripted replies it already
 * holds, so the same script answers a client that runs subagents in the foreground (2.1.197: the
 * Agent tool's result is the agent's answer) and one that runs them in the background (2.1.332: the
 * tool answers "launched" at once and a notification follows): a request whose news is only that
 * background agents were launched is answered with WAIT_REPLY, which is not a turn.
 * Streaming (SSE) and non-streaming answers are both spoken.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstUserText, isSubagent, lastUserBlocks } from "./transcript.ts";

/** A content block the scripted model sends: text, or a call of a tool with its input. */
export type ReplyBlock = { type: "text"; text: string } | { type: "tool_use"; name: string; input: Record<string, unknown> };

/** A reply of one call of the tool `name` with `input`. */
export function toolUse(name: string, input: Record<string, unknown>): ReplyBlock[] {
  return [{ type: "tool_use", name, input }];
}

/** What the scripted model answers: plain text, or blocks (text and tool calls). */
export type Reply = string | ReplyBlock[];

/** One turn of a conversation's script: a reply, or a function of the request that makes it. */
export type Turn = Reply | ((request: MessagesRequest) => Reply);

/**
 * What the scripted model answers, by conversation: `main` for the conversation the prompt starts,
 * and one list per subagent, keyed by the `subagent_type` the Agent call names (e.g.
 * "ml-automation:eda-analyst"). Turn k answers the conversation's request that holds k scripted
 * replies already; every instance of a subagent type follows the same list.
 */
export interface Script {
  main: Turn[];
  agents?: Record<string, Turn[]>;
}

/** The conversation a request belongs to: "main", a subagent type, "side" (the client's own), or null (none known). */
export type ConversationName = string | null;

/** One request the CLI sent to /v1/messages, as received, and how it was answered. */
export interface RecordedRequest {
  /** Position among all recorded requests, from 0 (for reading a transcript, not for asserting). */
  index: number;
  body: MessagesRequest;
  conversation: ConversationName;
  /** The turn of the conversation's script that answered it; null when the script had none (see unanswered). */
  turn: number | null;
  /** What was answered: a turn, WAIT_REPLY, SIDE_REPLY or UNSCRIPTED_REPLY. */
  answer: "turn" | "wait" | "side" | "unscripted";
  /** When it arrived (performance.now(), milliseconds): for benchmarks, never for assertions. */
  at: number;
}

/** The parts of a Messages API request body the tests read. */
export interface MessagesRequest {
  model: string;
  stream?: boolean;
  system?: string | Array<{ type: string; text?: string }>;
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
  tools?: Array<{ name: string; description?: string; input_schema?: unknown }>;
}

/** A running stand-in: where it listens, what it received, and how to stop it. */
export interface StandIn {
  socketPath: string;
  requests: RecordedRequest[];
  /** Turns of each conversation's script that no request reached, as "conversation turn k". */
  unusedTurns(): string[];
  stop(): Promise<void>;
}

/** Text answered to a request of no known conversation, or past the end of its conversation's script. */
export const UNSCRIPTED_REPLY = "(stand-in: no scripted reply for this request)";
/** Text answered when the only news is that background agents were launched: the model waits for them. */
export const WAIT_REPLY = "(stand-in: waiting for the agents started in the background)";
/** Text answered to a side request of the client (no tools offered). */
export const SIDE_REPLY = "Registry work";

/** An Agent call the scripted model made: the type it asked for and the prompt it gave. */
interface AgentCall {
  type: string;
  prompt: string;
}

/**
 * Starts a stand-in answering from `script` (see Script). Tool-call ids are generated (`toolu_<n>`).
 * Other paths answer 404, except a HEAD or GET probe (200) and token counting.
 */
export async function startStandIn(script: Script): Promise<StandIn> {
  const folder = mkdtempSync(join(tmpdir(), "mla-api-"));
  const socketPath = join(folder, "api.sock");
  const requests: RecordedRequest[] = [];
  const agentCalls: AgentCall[] = [];
  const reached = new Set<string>();
  let toolIds = 0;

  const scriptOf = (conversation: ConversationName): Turn[] | undefined =>
    conversation === "main" ? script.main : conversation === null ? undefined : script.agents?.[conversation];

  const answer = (body: MessagesRequest): { reply: Reply; recorded: Omit<RecordedRequest, "index" | "body" | "at"> } => {
    const conversation = conversationOf(body, agentCalls);
    if (conversation === "side") return { reply: SIDE_REPLY, recorded: { conversation, turn: null, answer: "side" } };
    if (waitsForBackgroundAgents(body)) return { reply: WAIT_REPLY, recorded: { conversation, turn: null, answer: "wait" } };
    const turn = scriptedReplies(body);
    const step = scriptOf(conversation)?.[turn];
    if (step === undefined || conversation === null) return { reply: UNSCRIPTED_REPLY, recorded: { conversation, turn: null, answer: "unscripted" } };
    reached.add(`${conversation} turn ${turn}`);
    return { reply: typeof step === "function" ? step(body) : step, recorded: { conversation, turn, answer: "turn" } };
  };

  const server = createServer((request, response) => {
    readBody(request)
      .then((raw) => {
        const at = performance.now();
        const path = (request.url ?? "/").split("?")[0];
        if (request.method === "HEAD" || request.method === "GET") return send(response, 200, "application/json", "{}");
        if (path === "/v1/messages/count_tokens") return send(response, 200, "application/json", JSON.stringify({ input_tokens: Math.ceil(raw.length / 4) }));
        if (path !== "/v1/messages") return send(response, 404, "application/json", JSON.stringify({ type: "error", error: { type: "not_found_error", message: path } }));
        const body = JSON.parse(raw) as MessagesRequest;
        const { reply, recorded } = answer(body);
        requests.push({ index: requests.length, body, ...recorded, at });
        const blocks = (typeof reply === "string" ? [{ type: "text", text: reply } as ReplyBlock] : reply).map((block) =>
          block.type === "tool_use" ? { ...block, id: `toolu_${String(++toolIds).padStart(4, "0")}` } : block,
        );
        for (const block of blocks) {
          if (block.type === "tool_use" && block.name === "Agent") agentCalls.push({ type: String(block.input.subagent_type ?? ""), prompt: String(block.input.prompt ?? "") });
        }
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
    unusedTurns: () =>
      [["main", script.main] as const, ...Object.entries(script.agents ?? {})].flatMap(([name, turns]) => turns.map((_turn, k) => `${name} turn ${k}`)).filter((turn) => !reached.has(turn)),
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

/**
 * The conversation `request` belongs to: "side" when it offers no tools (the client's own requests),
 * the type of the Agent call whose prompt its first user message holds when a subagent sent it (the
 * longest such prompt; null when none), else "main".
 */
export function conversationOf(request: MessagesRequest, agentCalls: ReadonlyArray<AgentCall>): ConversationName {
  if (!request.tools?.length) return "side";
  if (!isSubagent(request)) return "main";
  const first = firstUserText(request);
  const call = agentCalls.filter((candidate) => candidate.prompt && first.includes(candidate.prompt)).sort((a, b) => b.prompt.length - a.prompt.length)[0];
  return call?.type ?? null;
}

/** How many scripted replies `request` holds: its assistant messages, less the stand-in's own WAIT_REPLY. */
export function scriptedReplies(request: MessagesRequest): number {
  return request.messages.filter((message) => message.role === "assistant" && !(Array.isArray(message.content) ? message.content : [{ type: "text", text: message.content }]).some((block) => block.text === WAIT_REPLY)).length;
}

/**
 * True when the news `request` brings (its last user message) is only tool results saying agents were
 * started in the background (Claude Code 2.1.332's Agent tool): nothing to answer yet.
 */
export function waitsForBackgroundAgents(request: MessagesRequest): boolean {
  // Reminders the client adds beside a tool result are not news; a task notification is.
  const news = (block: Record<string, unknown>) => block.type === "tool_result" || (block.type === "text" && /\S/.test(String(block.text)) && (!String(block.text).trimStart().startsWith("<system-reminder>") || String(block.text).includes("<task-notification>")));
  const blocks = lastUserBlocks(request).filter(news);
  return blocks.length > 0 && blocks.every((block) => block.type === "tool_result" && /^Async agent launched/.test(toolResultText(block)));
}

function toolResultText(block: Record<string, unknown>): string {
  const content = block.content as string | Array<Record<string, unknown>> | undefined;
  return typeof content === "string" ? content : (content ?? []).map((part) => String(part.text ?? "")).join("\n");
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
