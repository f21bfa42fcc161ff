import type { ChatMessage } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { promptTokensUpperBound } from "../limits/prompt-tokens.ts";
import type { StoredMessage } from "./conversation-repository.ts";

/** A chat template's cost per message and per prompt, as the worker's context check counts it. */
const MESSAGE_OVERHEAD = 8;
const PROMPT_OVERHEAD = 16;

/**
 * The prompt for the next reply: the system prompt, then as many of the newest turns as fit in
 * the model's context with room for `maxTokens` (oldest dropped first; the new user message
 * always kept). Counts are the stored real ones (a user message counted by the model's tokenizer
 * when stored, a reply by its completion tokens); a message never counted uses the byte bound.
 */
export function fitHistory(
  systemPrompt: { content: string; tokens: number } | null,
  newestFirst: readonly Pick<StoredMessage, "role" | "content" | "tokens">[],
  contextLength: number | undefined,
  maxTokens: number,
): ChatMessage[] {
  const turns: ChatMessage[] = [];
  let budget =
    contextLength === undefined
      ? Infinity
      : contextLength - maxTokens - PROMPT_OVERHEAD - (systemPrompt ? systemPrompt.tokens + MESSAGE_OVERHEAD : 0);
  for (const [i, message] of newestFirst.entries()) {
    const turn: ChatMessage = { role: message.role, content: message.content };
    const cost = (message.tokens ?? promptTokensUpperBound([turn])) + MESSAGE_OVERHEAD;
    if (cost > budget) {
      if (i === 0) {
        throw new AppError(
          "context_length_exceeded",
          `the new message with the system prompt and max_tokens ${maxTokens} does not fit this model's context of ${contextLength} tokens`,
        );
      }
      break;
    }
    budget -= cost;
    turns.push(turn);
  }
  turns.reverse();
  return systemPrompt ? [{ role: "system", content: systemPrompt.content }, ...turns] : turns;
}
