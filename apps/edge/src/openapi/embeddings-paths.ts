import { EMBEDDINGS_UNSUPPORTED_FIELDS, embeddingsRequest, EmbeddingsResponse } from "@gateway/contracts";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { documentedRequest, json, ok, RATE_LIMIT_HEADERS, SECURITY, type DocContext } from "./openapi-kit.ts";

const RESPONSE_EXAMPLE = {
  object: "list",
  data: [
    { object: "embedding", index: 0, embedding: [0.0123, -0.0456, 0.0789] },
    { object: "embedding", index: 1, embedding: [0.0211, 0.0344, -0.0102] },
  ],
  model: "stories260k",
  usage: { prompt_tokens: 9, total_tokens: 9 },
};

export function documentEmbeddings({ registry, config, schema }: DocContext): void {
  const models = config.models.filter((m) => m.embedding_backends.length > 0).flatMap((m) => [m.id, ...m.aliases]);
  const request = embeddingsRequest({ maxInputChars: config.max_content_chars, models: new Set() });
  const body = schema(
    "EmbeddingsRequest",
    documentedRequest(
      request,
      EMBEDDINGS_UNSUPPORTED_FIELDS,
      models,
      "An OpenAI embeddings request: `input` is a string, strings, token ids or token-id arrays (at most 2048). `dimensions` only " +
        "for models configured with `embedding_dimensions` (the vectors are cut and normalised again); llama-server itself ignores it.",
    ),
  );
  registry.registerPath({
    method: "post",
    path: "/v1/embeddings",
    operationId: "createEmbeddings",
    summary: "Create embeddings",
    description: "Split into batches across the model's embeddings pool; billed for prompt tokens.",
    tags: ["Embeddings"],
    security: SECURITY.apiKey,
    request: { body: { required: true, content: json(body, { model: "stories260k", input: ["A red ball.", "A blue boat."] }) } },
    responses: {
      200: ok(
        "Vectors in input order, floats or base64 (`encoding_format`).",
        json(schema("EmbeddingsResponse", EmbeddingsResponse), RESPONSE_EXAMPLE),
        {
          ...RATE_LIMIT_HEADERS,
          "x-usage-cost": { $ref: "#/components/headers/UsageCost" },
        },
      ),
      ...errorResponses(...INFERENCE_ERRORS, "context_length_exceeded"),
    },
  });
}
