import { RerankResponse, rerankRequest } from "@gateway/contracts";
import { z } from "zod";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { documentedRequest, json, ok, RATE_LIMIT_HEADERS, SECURITY, type DocContext } from "./openapi-kit.ts";

const REQUEST_EXAMPLE = { model: "stories260k", query: "a cat", documents: ["a dog in the park", "the cat sat on the mat"], top_n: 1 };

const RESPONSE_EXAMPLE = {
  id: "rerank-req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e",
  object: "list",
  model: "stories260k",
  results: [{ index: 1, relevance_score: 0.91 }],
  usage: { prompt_tokens: 21, total_tokens: 21, cost: "0.000011" },
};

export function documentRerank({ registry, config, schema }: DocContext): void {
  const models = config.models.filter((m) => m.rerank_backends.length > 0).flatMap((m) => [m.id, ...m.aliases]);
  const request = rerankRequest({ maxContentChars: config.max_content_chars, models: new Set() });
  const body = schema(
    "RerankRequest",
    documentedRequest(request, [], models, "Scores `documents` against `query` (at most 1,000 documents); `top_n` keeps the best."),
  );
  registry.registerPath({
    method: "post",
    path: "/v1/rerank",
    operationId: "rerank",
    summary: "Rerank documents",
    description:
      "Scored in batches across the model's rerank pool (llama-server started with `--reranking`), answered best first, billed for " +
      "prompt tokens only. The OpenAI SDKs have no rerank call: send it with plain HTTP.",
    tags: ["Rerank"],
    security: SECURITY.apiKey,
    request: { body: { required: true, content: json(body, REQUEST_EXAMPLE) } },
    responses: {
      200: ok(
        "The results, best first, each with the document's `index` in the request (and its text with `return_documents`).",
        json(
          schema("RerankResponse", RerankResponse.extend({ usage: RerankResponse.shape.usage.extend({ cost: z.string() }) })),
          RESPONSE_EXAMPLE,
        ),
        { ...RATE_LIMIT_HEADERS, "x-usage-cost": { $ref: "#/components/headers/UsageCost" } },
      ),
      ...errorResponses(...INFERENCE_ERRORS),
    },
  });
}
