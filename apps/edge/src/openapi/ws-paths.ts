import { WsClientMessage, WsServerMessage } from "@gateway/contracts";
import { errorResponses } from "./error-responses.ts";
import { json, SECURITY, type DocContext } from "./openapi-kit.ts";

const PROTOCOL =
  "A WebSocket for many chat requests over one connection. Authenticate with `Authorization: Bearer <key>` on the upgrade, or with " +
  'a first message `{"type": "auth", "api_key": "…"}` (a bad credential closes the socket with 1008). Then send ' +
  '`{"type": "chat.completion", "id": "<yours>", "request": <a POST /v1/chat/completions body>}` as often as you like, several at once: ' +
  "each is validated and limited exactly as over HTTP and always streamed. The server answers with `chunk` messages tagged with your id, " +
  'then one `done` (the whole completion with its usage and cost) or one `error` (the ErrorEnvelope\'s body). `{"type": "cancel", "id": …}` ' +
  "stops a request; closing the socket cancels all of them. Every frame is one JSON message: WsClientMessage from you, WsServerMessage from the gateway.";

export function documentWebSocket({ registry, schema }: DocContext): void {
  const client = schema("WsClientMessage", WsClientMessage);
  const server = schema("WsServerMessage", WsServerMessage);
  registry.registerPath({
    method: "get",
    path: "/v1/ws",
    operationId: "chatWebSocket",
    tags: ["Chat"],
    summary: "Chat completions over a WebSocket",
    description: PROTOCOL,
    security: SECURITY.apiKey,
    // OpenAPI has no words for a socket's frames: the ones you send are shown as the request body,
    // the gateway's as the 101 response's content.
    request: {
      body: {
        description: "Not an HTTP body: each text frame you send on the socket after the upgrade is one of these.",
        content: json(client, {
          type: "chat.completion",
          id: "q1",
          request: { model: "stories260k", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 64 },
        }),
      },
    },
    responses: {
      101: {
        description: "Switching Protocols: the socket is open. Each text frame the gateway sends is one of these.",
        content: json(server, {
          type: "chunk",
          id: "q1",
          chunk: {
            id: "chatcmpl-7b1e",
            object: "chat.completion.chunk",
            created: 1764400000,
            model: "stories260k",
            choices: [{ index: 0, delta: { content: " there" }, finish_reason: null }],
          },
        }),
      },
      ...errorResponses("upgrade_required"),
    },
  });
}
