import {
  Conversation,
  ConversationList,
  ConversationMessage,
  ConversationWithMessages,
  CreateConversationRequest,
  ListQuery,
  PostMessageRequest,
  UpdateConversationRequest,
} from "@gateway/contracts";
import { z } from "zod";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { json, ok, RATE_LIMIT_HEADERS, SECURITY, sse, type DocContext } from "./openapi-kit.ts";

const CONVERSATION_EXAMPLE = {
  id: "conv_0mij4k2l0a1b2c3d4e5f6a7b8",
  object: "conversation",
  created: 1764400000,
  model: "stories260k",
  title: "Bedtime stories",
  system_prompt: "You tell short stories.",
  metadata: {},
  message_count: 2,
};
const MESSAGE_EXAMPLE = {
  id: "msg_0mij4k2l1f0e1d2c3b4a59687",
  object: "conversation.message",
  role: "assistant",
  content: " there was a little girl.",
  created: 1764400001,
  usage: { prompt_tokens: 30, completion_tokens: 6, total_tokens: 36 },
};
const pageOf = (item: unknown) => ({
  object: "list",
  data: [item],
  has_more: false,
  first_id: (item as { id: string }).id,
  last_id: (item as { id: string }).id,
});
const idParam = z.object({ id: z.string().meta({ description: "The conversation's id.", example: CONVERSATION_EXAMPLE.id }) });

export function documentConversations({ registry, schema }: DocContext): void {
  const conversation = schema("Conversation", Conversation);
  const tags = ["Conversations"];
  const security = SECURITY.apiKey;
  registry.registerPath({
    method: "post",
    path: "/v1/conversations",
    operationId: "createConversation",
    summary: "Create a conversation",
    tags,
    security,
    request: {
      body: {
        required: true,
        content: json(schema("CreateConversationRequest", CreateConversationRequest), {
          model: "stories260k",
          system_prompt: "You tell short stories.",
          title: "Bedtime stories",
        }),
      },
    },
    responses: {
      201: ok("Created; `Location` is the conversation.", json(conversation, { ...CONVERSATION_EXAMPLE, message_count: 0 })),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter", "model_not_found", "permission_denied"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/conversations",
    operationId: "listConversations",
    summary: "List conversations",
    description: "The tenant's conversations, newest first, in cursor pages.",
    tags,
    security,
    request: { query: ListQuery },
    responses: {
      200: ok("A page of conversations.", json(schema("ConversationList", ConversationList), pageOf(CONVERSATION_EXAMPLE))),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/conversations/{id}",
    operationId: "retrieveConversation",
    summary: "Retrieve a conversation with its messages",
    description: "Messages oldest first, paged by `limit` and `after` (a message id).",
    tags,
    security,
    request: { params: idParam, query: ListQuery },
    responses: {
      200: ok(
        "The conversation.",
        json(schema("ConversationWithMessages", ConversationWithMessages), { ...CONVERSATION_EXAMPLE, messages: pageOf(MESSAGE_EXAMPLE) }),
      ),
      ...errorResponses("invalid_api_key", "not_found", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/conversations/{id}",
    operationId: "updateConversation",
    summary: "Change a conversation's title, system prompt or metadata",
    tags,
    security,
    request: {
      params: idParam,
      body: { required: true, content: json(schema("UpdateConversationRequest", UpdateConversationRequest), { title: "Stories" }) },
    },
    responses: {
      200: ok("The conversation.", json(conversation, CONVERSATION_EXAMPLE)),
      ...errorResponses("invalid_api_key", "not_found", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/conversations/{id}",
    operationId: "deleteConversation",
    summary: "Delete a conversation and its messages",
    tags,
    security,
    request: { params: idParam },
    responses: { 204: ok("Deleted."), ...errorResponses("invalid_api_key", "not_found") },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/conversations/{id}/messages",
    operationId: "postConversationMessage",
    summary: "Add a user message and get the assistant's reply",
    description:
      "Stores the message, runs a completion over the stored history fitted to the model's context (oldest turns dropped first, the system prompt kept), stores the reply even if the client leaves, and answers it (or streams it as chat completion chunks with `stream: true`).",
    tags,
    security,
    request: {
      params: idParam,
      body: {
        required: true,
        content: json(schema("PostMessageRequest", PostMessageRequest), { content: "Tell me another one.", max_tokens: 64 }),
      },
    },
    responses: {
      201: ok(
        "The assistant's message, with usage and cost.",
        json(schema("ConversationMessage", ConversationMessage), MESSAGE_EXAMPLE),
        RATE_LIMIT_HEADERS,
      ),
      200: sse(
        "With `stream: true`: chat completion chunks, then `[DONE]`.",
        'id: 0\ndata: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":" there"}}]}\n\nid: 1\ndata: [DONE]',
      ),
      ...errorResponses(...INFERENCE_ERRORS, "not_found", "context_length_exceeded"),
    },
  });
}
