import { contentText, imageParts, type ChatMessage } from "./chat-messages.ts";
import type { ChatParams } from "./job.ts";

/** A message's text as a chat template renders it: its content, its name, and its calls' names and arguments. */
export function messageText(message: ChatMessage): string {
  const content = contentText(message.content);
  // Plain string content without calls is the hot path: nothing to join.
  if (message.tool_calls === undefined && message.name === undefined) return content;
  const parts = [content];
  if (message.name !== undefined) parts.push(message.name);
  for (const call of message.tool_calls ?? []) parts.push(call.function.name, call.function.arguments);
  return parts.join("\n");
}

/**
 * The text a chat job puts in front of the model, for counting its tokens: every message's text
 * and, when tools are offered, their JSON (templates render them into the prompt, even with
 * tool_choice "none"). Images are not text: count them with `imageCount`.
 */
export function promptText(params: Pick<ChatParams, "messages" | "tools">): string {
  const text = params.messages.map(messageText).join("\n");
  return params.tools && params.tools.length > 0 ? `${text}\n${JSON.stringify(params.tools)}` : text;
}

export function imageCount(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) n += imageParts(m.content);
  return n;
}
