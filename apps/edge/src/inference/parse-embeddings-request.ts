import { embeddingsRequest, EMBEDDINGS_UNSUPPORTED_FIELDS, type EmbeddingsRequest, type GatewayConfig } from "@gateway/contracts";
import { parseBody } from "../http/parse-input.ts";

const unsupported = new Set<string>(EMBEDDINGS_UNSUPPORTED_FIELDS);

/**
 * Builds the validator once per configuration (names: ids and aliases of models with an
 * embeddings pool); the returned function is on the request path.
 */
export function embeddingsRequestParser(config: GatewayConfig) {
  const embedders = config.models.filter((m) => m.embedding_backends.length > 0);
  const schema = embeddingsRequest({
    maxInputChars: config.max_content_chars,
    models: new Set(embedders.flatMap((m) => [m.id, ...m.aliases])),
    dimensions: new Map(embedders.flatMap((m) => [m.id, ...m.aliases].map((name) => [name, m.embedding_dimensions ?? []] as const))),
  });
  return (body: unknown): EmbeddingsRequest => parseBody(schema, body, unsupported);
}
