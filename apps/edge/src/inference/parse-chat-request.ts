import { chatCompletionRequest, UNSUPPORTED_FIELDS, type ChatCompletionRequest, type GatewayConfig } from "@gateway/contracts";
import { parseBody } from "../http/parse-input.ts";
import { modelIndex } from "../models/model-index.ts";

const unsupported = new Set<string>(UNSUPPORTED_FIELDS);

/** Builds the validator once per configuration; the returned function is on the hot path. */
export function chatRequestParser(config: GatewayConfig) {
  const schema = chatCompletionRequest({
    maxContentChars: config.max_content_chars,
    // Ids and aliases of models with a chat pool; the job carries the canonical id (toChatJob).
    models: new Map(
      [...modelIndex(config)].filter(([, m]) => m.backends.length > 0).map(([name, m]) => [name, { maxOutputTokens: m.max_output_tokens }]),
    ),
  });
  return (body: unknown): ChatCompletionRequest => parseBody(schema, body, unsupported);
}
