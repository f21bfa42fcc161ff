import { rerankRequest, type GatewayConfig, type RerankRequest } from "@gateway/contracts";
import { parseBody } from "../http/parse-input.ts";

/** Builds the validator once per configuration (names of models with a rerank pool). */
export function rerankRequestParser(config: GatewayConfig) {
  const schema = rerankRequest({
    maxContentChars: config.max_content_chars,
    models: new Set(config.models.filter((m) => m.rerank_backends.length > 0).flatMap((m) => [m.id, ...m.aliases])),
  });
  return (body: unknown): RerankRequest => parseBody(schema, body, new Set());
}
