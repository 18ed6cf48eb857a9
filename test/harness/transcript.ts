/** Reading what reached the scripted model: the text of a request, its listing, its tool results. */
import type { MessagesRequest } from "./stand-in.ts";

type Block = Record<string, unknown>;

function blocks(content: MessagesRequest["messages"][number]["content"]): Block[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function blockText(block: Block): string {
  if (typeof block.text === "string") return block.text;
  if (block.type === "tool_result") {
    const content = block.content as string | Block[] | undefined;
    return typeof content === "string" ? content : (content ?? []).map(blockText).join("\n");
  }
  return "";
}

/** Every text the user side sent in `request` (prompts, expanded commands, tool results), joined. */
export function userText(request: MessagesRequest): string {
  return request.messages
    .filter((message) => message.role === "user")
    .flatMap((message) => blocks(message.content).map(blockText))
    .join("\n");
}

/** The text of the first user message of `request` (for a subagent: the prompt it was started with, after the client's reminders). */
export function firstUserText(request: MessagesRequest): string {
  const first = request.messages.find((message) => message.role === "user");
  return first ? blocks(first.content).map(blockText).join("\n") : "";
}

/** The blocks of the last user message of `request` (what is new since the model's last reply). */
export function lastUserBlocks(request: MessagesRequest): Block[] {
  const last = request.messages.filter((message) => message.role === "user").at(-1);
  return last ? blocks(last.content) : [];
}

/** The system prompt plus every message text of `request`: all the text the model receives. */
export function allText(request: MessagesRequest): string {
  const system = systemText(request);
  const messages = request.messages.flatMap((message) => blocks(message.content).map(blockText));
  const tools = (request.tools ?? []).map((tool) => `${tool.name}\n${tool.description ?? ""}\n${JSON.stringify(tool.input_schema ?? {})}`);
  return [system, ...messages, ...tools].join("\n");
}

/**
 * The tool results `request` brings (those of its last user message: newer clients may send a system
 * message after it), in order: text, and whether it was an error.
 */
export function toolResults(request: MessagesRequest): Array<{ toolUseId: string; text: string; isError: boolean }> {
  return lastUserBlocks(request)
    .filter((block) => block.type === "tool_result")
    .map((block) => ({ toolUseId: String(block.tool_use_id), text: blockText(block), isError: block.is_error === true }));
}

/** The system prompt of `request` as one text. */
export function systemText(request: MessagesRequest): string {
  return typeof request.system === "string" ? request.system : (request.system ?? []).map((part) => part.text ?? "").join("\n");
}

/** True when a subagent (the Agent tool's) sent `request`, not the main conversation. */
export function isSubagent(request: MessagesRequest): boolean {
  return systemText(request).includes("cc_is_subagent=true");
}

/** True when the main conversation sent `request`, not a subagent. */
export function isMainConversation(request: MessagesRequest): boolean {
  return !isSubagent(request);
}

/** The text of the listing the CLI sends after the first user message: agents, commands, skills. */
export function listing(request: MessagesRequest): string {
  return request.messages
    .filter((message) => message.role === "system")
    .flatMap((message) => blocks(message.content).map(blockText))
    .join("\n");
}
