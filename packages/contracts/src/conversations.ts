import { z } from "zod";
import { Text } from "./text.ts";
import { Usage } from "./chat.ts";
import { listPage } from "./pagination.ts";

/** Small string metadata, like OpenAI's: at most 16 keys. */
export const ConversationMetadata = z.record(Text.max(64), Text.max(512)).refine((m) => Object.keys(m).length <= 16, "at most 16 keys");

export const CreateConversationRequest = z.strictObject({
  model: Text.min(1).max(200),
  system_prompt: Text.max(100_000).nullable().optional(),
  title: Text.max(200).nullable().optional(),
  metadata: ConversationMetadata.optional(),
});
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const UpdateConversationRequest = z
  .strictObject({
    title: Text.max(200).nullable().optional(),
    system_prompt: Text.max(100_000).nullable().optional(),
    metadata: ConversationMetadata.optional(),
  })
  .refine((u) => Object.keys(u).length > 0, "name at least one of title, system_prompt, metadata");
export type UpdateConversationRequest = z.infer<typeof UpdateConversationRequest>;

export const ConversationMessage = z.object({
  id: z.string(),
  object: z.literal("conversation.message"),
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  created: z.number().int(),
  /** An assistant message's completion usage. */
  usage: Usage.nullable(),
});
export type ConversationMessage = z.infer<typeof ConversationMessage>;

export const Conversation = z.object({
  id: z.string(),
  object: z.literal("conversation"),
  created: z.number().int(),
  model: z.string(),
  title: z.string().nullable(),
  system_prompt: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  message_count: z.number().int(),
});
export type Conversation = z.infer<typeof Conversation>;

export const ConversationMessageList = listPage(ConversationMessage);
export type ConversationMessageList = z.infer<typeof ConversationMessageList>;

/** `GET /v1/conversations/{id}`: the conversation with the first page of its messages (`?limit`, `?after`), oldest first. */
export const ConversationWithMessages = Conversation.extend({ messages: ConversationMessageList });
export type ConversationWithMessages = z.infer<typeof ConversationWithMessages>;

export const ConversationList = listPage(Conversation);
export type ConversationList = z.infer<typeof ConversationList>;

/** `POST /v1/conversations/{id}/messages`: the user's turn and the generation parameters of the reply. */
export const PostMessageRequest = z.strictObject({
  content: Text.min(1).max(200_000),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.union([Text, z.array(Text).max(4)]).optional(),
});
export type PostMessageRequest = z.infer<typeof PostMessageRequest>;

/**
 * An assistant reply on the "conversation-replies" queue: queued by the worker that produced it,
 * stored by an edge (once: keyed by request id), so a reply is kept even if the edge that served
 * the request died.
 */
export const ConversationReply = z.object({
  v: z.literal(1),
  request_id: z.string().min(1),
  conversation_id: z.string().min(1),
  model: z.string().min(1),
  content: z.string(),
  usage: Usage,
});
export type ConversationReply = z.infer<typeof ConversationReply>;
