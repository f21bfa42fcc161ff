import type { ChatMessage } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { LimitMetrics } from "./limit-metrics.ts";

export type ContentPolicy = (messages: readonly ChatMessage[]) => void;

/**
 * Operator-configured patterns checked on user messages (not system prompts the operator's own
 * apps send, nor earlier assistant turns). The refusal names the message, never the text, and
 * nothing of the text is logged: a blocked prompt is exactly what must not end up in logs.
 */
export function contentPolicy(patterns: readonly RegExp[], metrics: LimitMetrics): ContentPolicy {
  return (messages) => {
    if (patterns.length === 0) return;
    messages.forEach((message, index) => {
      if (message.role !== "user") return;
      const rule = patterns.findIndex((p) => p.test(message.content));
      if (rule === -1) return;
      metrics.contentPolicy.inc({ rule: String(rule) });
      throw new AppError("content_policy_violation", "a user message matches a blocked content pattern", {
        param: `messages.${index}.content`,
      });
    });
  };
}
