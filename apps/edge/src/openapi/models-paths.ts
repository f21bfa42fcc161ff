import { ModelDetail, ModelList } from "@gateway/contracts";
import { z } from "zod";
import { errorResponses } from "./error-responses.ts";
import { json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

const MODEL_EXAMPLE = {
  id: "stories260k",
  object: "model",
  created: 1764400000,
  owned_by: "llm-gateway",
  aliases: ["stories"],
  capabilities: ["chat"],
  status: "ready",
  ready_backends: 2,
  context_length: 1024,
  parameters: 260000,
  size: 1185376,
  architecture: "llama",
  quantization: null,
};

export function documentModels({ registry, schema }: DocContext): void {
  registry.registerPath({
    method: "get",
    path: "/v1/models",
    operationId: "listModels",
    summary: "List models",
    description: "OpenAI's model list plus live status from the workers. A key limited to some models lists only those.",
    tags: ["Models"],
    security: SECURITY.apiKey,
    responses: {
      200: ok("The models.", json(schema("ModelList", ModelList), { object: "list", data: [MODEL_EXAMPLE] })),
      ...errorResponses("invalid_api_key"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/models/{id}",
    operationId: "retrieveModel",
    summary: "Retrieve a model",
    description:
      "One model with its backends (named by pool and position, never by URL). The id may contain `/`; an alias finds its model.",
    tags: ["Models"],
    security: SECURITY.apiKey,
    request: { params: z.object({ id: z.string().meta({ description: "A model id or alias.", example: "stories260k" }) }) },
    responses: {
      200: ok(
        "The model.",
        json(schema("ModelDetail", ModelDetail), {
          ...MODEL_EXAMPLE,
          backends: [
            { id: "chat-0", capability: "chat", state: "ready", breaker: "closed", slots: 4, busy_slots: 1 },
            { id: "chat-1", capability: "chat", state: "ready", breaker: "closed", slots: 4, busy_slots: 0 },
          ],
        }),
      ),
      ...errorResponses("invalid_api_key", "permission_denied", "model_not_found"),
    },
  });
}
