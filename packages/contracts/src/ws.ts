import { z } from "zod";
import { Text } from "./text.ts";
import { ChatCompletion, ChatCompletionChunk } from "./chat.ts";
import { ErrorBody } from "./errors.ts";

/** A client-chosen id that tags every message about one request on a socket. */
export const WsRequestId = Text.min(1).max(64);

/** `/v1/ws`, client → server. Without an Authorization header on the upgrade, the first message must be `auth`. */
export const WsAuthMessage = z.strictObject({ type: z.literal("auth"), api_key: Text.min(1) });
/** `request` is the body of `POST /v1/chat/completions`, validated the same way; it is always streamed. */
export const WsChatMessage = z.strictObject({
  type: z.literal("chat.completion"),
  id: WsRequestId,
  request: z.record(z.string(), z.unknown()),
});
export const WsCancelMessage = z.strictObject({ type: z.literal("cancel"), id: WsRequestId });
export const WsClientMessage = z.discriminatedUnion("type", [WsAuthMessage, WsChatMessage, WsCancelMessage]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

/** Server → client. */
export const WsReadyMessage = z.object({ type: z.literal("ready"), tenant_id: z.string() });
export const WsChunkMessage = z.object({ type: z.literal("chunk"), id: WsRequestId, chunk: ChatCompletionChunk });
/** The whole answer with its usage (and cost), after the last chunk. */
export const WsDoneMessage = z.object({ type: z.literal("done"), id: WsRequestId, response: ChatCompletion });
/** `id` is null for an error about the socket or a message that could not be read. */
export const WsErrorMessage = z.object({ type: z.literal("error"), id: WsRequestId.nullable(), error: ErrorBody });
export const WsServerMessage = z.discriminatedUnion("type", [WsReadyMessage, WsChunkMessage, WsDoneMessage, WsErrorMessage]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;
