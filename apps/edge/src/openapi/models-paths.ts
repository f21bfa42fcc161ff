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
  capabilities: { chat: true, completion: true, embeddings: true, rerank: false, function_calling: true, vision: false, json_schema: true },
  status: "ready",
  ready_backends: 2,
  details: {
    architecture: "llama",
    parameters: 292800,
    context_length: 1024,
    training_context_length: 2048,
    embedding_dim: 64,
    vocab_size: 512,
    quantization: null,
    file_size: 1171200,
    n_layer: 5,
    n_head: 8,
    n_head_kv: 4,
  },
};

export function documentModels({ registry, schema }: DocContext): void {
  registry.registerPath({
    method: "get",
    path: "/v1/models",
    operationId: "listModels",
    summary: "List models",
    description:
      "OpenAI's model list plus what each model can do (`capabilities`), its facts (`details`: what the backends report, the rest " +
      "from the configuration) and live status from the workers. A key limited to some models lists only those.",
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
            { id: "embeddings-0", capability: "embeddings", state: "ready", breaker: "closed", slots: 4, busy_slots: 0 },
          ],
        }),
      ),
      ...errorResponses("invalid_api_key", "permission_denied", "model_not_found"),
    },
  });
}
