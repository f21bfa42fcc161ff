import { embeddingsRequest, EMBEDDINGS_UNSUPPORTED_FIELDS, type EmbeddingsRequest, type GatewayConfig } from "@gateway/contracts";
import { parseBody } from "../http/parse-input.ts";

const unsupported = new Set<string>(EMBEDDINGS_UNSUPPORTED_FIELDS);

/**
 * Builds the validator once per configuration (names: ids and aliases of models with an
 * embeddings pool); the returned function is on the request path.
 */
export function embeddingsRequestParser(config: GatewayConfig) {
  const schema = embeddingsRequest({
    maxInputChars: config.max_content_chars,
    models: new Set(config.models.filter((m) => m.embedding_backends.length > 0).flatMap((m) => [m.id, ...m.aliases])),
  });
  return (body: unknown): EmbeddingsRequest => parseBody(schema, body, unsupported);
}
