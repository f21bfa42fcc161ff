import { z } from "zod";
import { RequestToolCall, ToolCall } from "./chat-tools.ts";
import { Text } from "./text.ts";

export const Role = z.enum(["system", "developer", "user", "assistant", "tool"]);
export type Role = z.infer<typeof Role>;

/** Image types vision projectors decode (llama.cpp's mtmd reads them with stb_image). */
const DATA_URL = /^data:image\/(?:png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
/** Far above any image worth sending; the body limit usually bounds it first. */
export const MAX_IMAGE_URL_CHARS = 20_000_000;

/**
 * An image as OpenAI sends it: a base64 data URL, or an http(s) URL that the worker fetches
 * through the egress guard (llama-server itself is never asked to fetch anything).
 */
export const ImageUrl = Text.max(MAX_IMAGE_URL_CHARS).refine(
  (url) => (url.startsWith("data:") ? DATA_URL.test(url) : /^https?:\/\/[^\s]+$/i.test(url)),
  "must be an http(s) URL or a base64 data URL of a png, jpeg, gif or webp image",
);

export const TextPart = z.strictObject({ type: z.literal("text"), text: Text });
export const ImagePart = z.strictObject({
  type: z.literal("image_url"),
  image_url: z.strictObject({ url: ImageUrl, detail: z.enum(["auto", "low", "high"]).optional() }),
});
export type ImagePart = z.infer<typeof ImagePart>;

/** A content part after validation, as jobs carry it to the backend. */
export const ContentPart = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string(), detail: z.string().optional() }) }),
]);
export type ContentPart = z.infer<typeof ContentPart>;

/**
 * A message as a chat job carries it: content as the client sent it (a string, or parts, which
 * llama-server joins with newlines), null on an assistant message that only calls tools.
 */
export const ChatMessage = z.object({
  role: Role,
  content: z.union([z.string(), z.array(ContentPart)]).nullable(),
  name: z.string().optional(),
  /** An assistant message's calls. Optional: only tool-calling turns have them. */
  tool_calls: z.array(ToolCall).optional(),
  /** A tool message's answer to one of those calls. Optional: only tool results have it. */
  tool_call_id: z.string().optional(),
  /** An earlier answer's reasoning, sent back by the client (reasoning models' templates render it). Optional. */
  reasoning_content: z.string().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** Every text of a message's content, its parts joined by newlines as llama-server joins them. */
export function contentText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (content === null) return "";
  return content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
}

export function imageParts(content: ChatMessage["content"]): number {
  return Array.isArray(content) ? content.filter((p) => p.type === "image_url").length : 0;
}

/** Builds the request's message schema for one content limit. */
export function requestMessage(maxChars: number) {
  const tooLong = `must be at most ${maxChars} characters`;
  const partsWithin = (parts: readonly { type: string; text?: string }[]) =>
    parts.reduce((n, p) => n + (p.text?.length ?? 0), 0) <= maxChars;
  const text = (min: number) =>
    z.union([
      Text.min(min, "must not be empty").max(maxChars, tooLong),
      z.array(TextPart).min(1, "must not be empty").refine(partsWithin, tooLong),
    ]);
  const name = Text.max(64).optional();
  return z.discriminatedUnion("role", [
    z.strictObject({ role: z.literal("system"), content: text(1), name }),
    /** OpenAI's newer name for system instructions; sent as system to backends whose template has no such role. */
    z.strictObject({ role: z.literal("developer"), content: text(1), name }),
    z.strictObject({
      role: z.literal("user"),
      content: z.union([
        Text.min(1, "must not be empty").max(maxChars, tooLong),
        z
          .array(z.discriminatedUnion("type", [TextPart, ImagePart]))
          .min(1, "must not be empty")
          .refine(partsWithin, tooLong),
      ]),
      name,
    }),
    z
      .strictObject({
        role: z.literal("assistant"),
        content: text(0).nullable().optional(),
        name,
        tool_calls: z.array(RequestToolCall).min(1).max(128).optional(),
        /** OpenAI puts it on assistant messages; clients send back what they got. Not forwarded: no template renders it. */
        refusal: Text.nullable().optional(),
        reasoning_content: Text.max(maxChars, tooLong).optional(),
      })
      .refine((m) => (m.content !== undefined && m.content !== null) || m.tool_calls !== undefined, {
        message: "an assistant message needs content or tool_calls",
        path: ["content"],
      }),
    z.strictObject({ role: z.literal("tool"), content: text(0), tool_call_id: Text.min(1).max(256) }),
  ]);
}
export type RequestMessage = z.infer<ReturnType<typeof requestMessage>>;

/**
 * OpenAI's rules for a conversation with tools, checked before anything runs (llama-server would
 * render whatever it gets): each tool message answers a call of the assistant message right before
 * it (or before its sibling tool messages), once; every call is answered before the conversation
 * goes on; the conversation ends with the user's turn or a tool's result, for the model to answer.
 */
export function checkMessageOrder(messages: readonly RequestMessage[], ctx: z.RefinementCtx): void {
  let open: { index: number; ids: Set<string>; answered: Set<string> } | undefined;
  const closeCalls = () => {
    if (!open) return;
    const missing = [...open.ids].filter((id) => !open!.answered.has(id));
    if (missing.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: [open.index, "tool_calls"],
        message: `every tool call needs a tool message answering it before the conversation goes on; unanswered: ${missing.join(", ")}`,
      });
    }
    open = undefined;
  };
  messages.forEach((m, index) => {
    if (m.role === "tool") {
      if (!open) {
        ctx.addIssue({
          code: "custom",
          path: [index, "tool_call_id"],
          message: "a tool message must follow an assistant message with tool_calls",
        });
      } else if (!open.ids.has(m.tool_call_id)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "tool_call_id"],
          message: `no tool call with id '${m.tool_call_id}' in the assistant message before it`,
        });
      } else if (open.answered.has(m.tool_call_id)) {
        ctx.addIssue({ code: "custom", path: [index, "tool_call_id"], message: `tool call '${m.tool_call_id}' is already answered` });
      } else open.answered.add(m.tool_call_id);
      return;
    }
    closeCalls();
    if (m.role === "assistant" && m.tool_calls) {
      const ids = new Set(m.tool_calls.map((c) => c.id));
      if (ids.size < m.tool_calls.length)
        ctx.addIssue({ code: "custom", path: [index, "tool_calls"], message: "tool call ids must be unique" });
      open = { index, ids, answered: new Set() };
    }
  });
  closeCalls();
  const last = messages.at(-1)?.role;
  if (last !== undefined && last !== "user" && last !== "tool") {
    ctx.addIssue({ code: "custom", path: [], message: "the last message must have role 'user' or 'tool'" });
  }
}
