import type { ChatMessage, FunctionTool } from "@gateway/contracts";
import { RE2JS } from "re2js";
import { AppError } from "@gateway/http";
import type { LimitMetrics } from "./limit-metrics.ts";

/** One piece of text a client sent, and the field it came in (named in a refusal). */
export interface PolicyText {
  param: string;
  text: string;
}

/** Checks every text a request carries; throws 400 content_policy_violation on a match. */
export type ContentPolicy = (texts: readonly PolicyText[]) => void;

export interface BlockedPattern {
  source: string;
  pattern: RE2JS;
}

/**
 * Compiles the operator's patterns with RE2 (linear-time matching: no pattern, however
 * careless, can stall the event loop on a hostile input), case-insensitively. A pattern RE2
 * cannot take (a backreference, a lookaround, a syntax error) throws, naming its index.
 */
export function compileBlockedPatterns(sources: readonly string[]): BlockedPattern[] {
  return sources.map((source, i) => {
    try {
      return { source, pattern: RE2JS.compile(source, RE2JS.CASE_INSENSITIVE) };
    } catch (err) {
      throw new Error(`pattern ${i} is not a valid RE2 regular expression: ${(err as Error).message}`, { cause: err });
    }
  });
}

/**
 * Every text a message can carry, named as the chat request names it: string content, text parts,
 * tool results (a tool message's content), the arguments of the calls an assistant turn made, and
 * reasoning sent back.
 */
export function messageTexts(messages: readonly ChatMessage[], field = "messages"): PolicyText[] {
  const texts: PolicyText[] = [];
  messages.forEach((m, i) => {
    const at = `${field}.${i}`;
    if (typeof m.content === "string") texts.push({ param: `${at}.content`, text: m.content });
    else m.content?.forEach((part, j) => part.type === "text" && texts.push({ param: `${at}.content.${j}.text`, text: part.text }));
    m.tool_calls?.forEach((call, k) => texts.push({ param: `${at}.tool_calls.${k}.function.arguments`, text: call.function.arguments }));
    if (m.reasoning_content !== undefined) texts.push({ param: `${at}.reasoning_content`, text: m.reasoning_content });
  });
  return texts;
}

/** The tools' descriptions: templates put them in the prompt like any message. */
export function toolTexts(tools: readonly FunctionTool[] | undefined): PolicyText[] {
  return (tools ?? []).flatMap((t, i) =>
    t.function.description === undefined ? [] : [{ param: `tools.${i}.function.description`, text: t.function.description }],
  );
}

/**
 * Operator-configured patterns checked on everything a client sends (every role, conversation
 * system prompts, tool results, embeddings inputs, legacy prompts): what a tenant puts in a
 * system message reaches the model as surely as a user message. Every text is scanned once
 * against all patterns together; only a hit is scanned again to find the rule. The refusal
 * names the field, never the text, and nothing of the text is logged.
 */
export function contentPolicy(patterns: readonly BlockedPattern[], metrics: LimitMetrics): ContentPolicy {
  if (patterns.length === 0) return () => undefined;
  const any = RE2JS.compile(patterns.map((p) => `(?:${p.source})`).join("|"), RE2JS.CASE_INSENSITIVE);
  return (texts) => {
    for (const { param, text } of texts) {
      if (!any.matcher(text).find()) continue;
      const rule = patterns.findIndex((p) => p.pattern.matcher(text).find());
      metrics.contentPolicy.inc({ rule: String(rule) });
      throw new AppError("content_policy_violation", "the request matches a blocked content pattern", { param });
    }
  };
}
