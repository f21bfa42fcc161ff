import { LlamaError } from "./llama-response.ts";
import type { SimContentPart, SimMessage } from "./sim-tokenize.ts";

export interface MessageRules {
  /** Build b4748's checks and messages instead of the newer build's. */
  legacy: boolean;
  /** A vision projector is loaded: image_url parts are accepted. */
  vision: boolean;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** common_chat_msgs_parse_oaicompat wraps each of its errors so, with the messages as nlohmann's dump(2) prints them. */
export function messagesError(cause: string, messages: unknown): LlamaError {
  return new LlamaError(500, `Failed to parse messages: ${cause}; messages = ${JSON.stringify(messages, null, 2)}`);
}

/** The newer build's checks of an image URL (handle_media); http(s) URLs are taken as downloaded, not fetched. */
function checkImageUrl(part: Record<string, unknown>): void {
  const url = isRecord(part.image_url) && typeof part.image_url.url === "string" ? part.image_url.url : "";
  if (url.startsWith("http")) return;
  if (url.startsWith("file://")) throw new LlamaError(400, "file:// URLs are not allowed unless --media-path is specified");
  const pieces = url.split(",");
  if (pieces.length !== 2) throw new LlamaError(500, "Invalid url value");
  const head = pieces[0] ?? "";
  if (!head.startsWith("data:image/")) throw new LlamaError(500, `Invalid url format: ${head}`);
  if (!head.endsWith("base64")) throw new LlamaError(500, "url must be base64 encoded");
}

function checkParts(content: unknown[], rules: MessageRules, messages: unknown): void {
  for (const part of content) {
    const type = isRecord(part) ? part.type : undefined;
    if (type === "text" && typeof (part as SimContentPart).text === "string") continue;
    if (rules.legacy) {
      if (type === undefined) throw messagesError(`Missing content part type: ${JSON.stringify(part)}`, messages);
      throw messagesError(`Unsupported content part type: ${JSON.stringify(type)}`, messages);
    }
    if (type === "image_url") {
      if (!rules.vision) {
        throw new LlamaError(500, "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj");
      }
      checkImageUrl(part as Record<string, unknown>);
      continue;
    }
    if (type === "input_audio") {
      throw new LlamaError(500, "audio input is not supported - hint: if this is unexpected, you may need to provide the mmproj");
    }
    throw new LlamaError(500, "unsupported content[].type");
  }
}

/** An assistant message's calls must each be a function with a name and string arguments. */
function checkToolCalls(calls: unknown, messages: unknown): void {
  if (!Array.isArray(calls)) throw messagesError("[json.exception.type_error.302] type must be array", messages);
  for (const call of calls) {
    const dump = JSON.stringify(call);
    if (!isRecord(call) || call.type === undefined) throw messagesError(`Missing tool call type: ${dump}`, messages);
    if (call.type !== "function") throw messagesError(`Unsupported tool call type: ${dump}`, messages);
    const fn = call.function;
    if (!isRecord(fn)) throw messagesError(`Missing tool call function: ${dump}`, messages);
    if (fn.name === undefined) throw messagesError(`Missing tool call name: ${dump}`, messages);
    if (fn.arguments === undefined) throw messagesError("[json.exception.out_of_range.403] key 'arguments' not found", messages);
    if (typeof fn.arguments !== "string") {
      throw messagesError(`[json.exception.type_error.302] type must be string, but is ${typeof fn.arguments}`, messages);
    }
  }
}

const REF = "(ref: https://github.com/ggml-org/llama.cpp/issues/8367)";

/** A message llama-server refuses: b4748's wording (as OBSERVED.md quotes it) or the simulator's short one on newer builds. */
function badMessage(rules: MessageRules, messages: unknown, legacyCause: string, short: string): LlamaError {
  return rules.legacy ? messagesError(legacyCause, messages) : new LlamaError(500, short);
}

/**
 * The messages of a chat request, checked as llama-server checks them: each needs `content`
 * (string, null, or parts) except, on newer builds, an assistant message that only calls tools;
 * parts must be text, or image_url with a vision projector; b4748 needs a `role` too. Ill-shaped
 * input is a 500.
 */
export function parseMessages(raw: unknown[], rules: MessageRules): SimMessage[] {
  const messages: SimMessage[] = [];
  for (const m of raw) {
    if (!isRecord(m)) throw badMessage(rules, raw, `Expected 'message' to be an object, got ${JSON.stringify(m)}`, "Missing 'content'");
    if (rules.legacy && m.role === undefined) throw messagesError(`Missing 'role' in message: ${JSON.stringify(m)}`, raw);
    const role = typeof m.role === "string" ? m.role : "";
    const content = m.content;
    if (m.tool_calls !== undefined) checkToolCalls(m.tool_calls, raw);
    if (content === undefined && (rules.legacy || role !== "assistant" || m.tool_calls === undefined)) {
      throw badMessage(rules, raw, `Expected 'content' ${REF}`, "Missing 'content'");
    }
    if (content !== undefined && content !== null && typeof content !== "string") {
      if (!Array.isArray(content)) {
        throw badMessage(
          rules,
          raw,
          `Invalid 'content' type: expected string or array, got ${JSON.stringify(content)} ${REF}`,
          "Invalid 'content' type",
        );
      }
      checkParts(content, rules, raw);
    }
    // The hot path keeps the two fields it reads; only tool-calling messages carry their calls.
    const message: SimMessage = { role, content: content as SimMessage["content"] };
    if (m.tool_calls !== undefined) message.tool_calls = m.tool_calls as SimMessage["tool_calls"];
    messages.push(message);
  }
  return messages;
}
