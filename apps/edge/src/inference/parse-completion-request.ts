import { completionRequest, COMPLETION_UNSUPPORTED_FIELDS, type CompletionRequest, type GatewayConfig } from "@gateway/contracts";
import { parseBody } from "../http/parse-input.ts";
import { modelIndex } from "../models/model-index.ts";

const unsupported = new Set<string>([...COMPLETION_UNSUPPORTED_FIELDS, "id_slot"]);

/** Builds the validator once per configuration (names of models with a chat pool, which serves legacy completions). */
export function completionRequestParser(config: GatewayConfig) {
  const schema = completionRequest({
    maxContentChars: config.max_content_chars,
    models: new Map(
      [...modelIndex(config)].filter(([, m]) => m.backends.length > 0).map(([name, m]) => [name, { maxOutputTokens: m.max_output_tokens }]),
    ),
  });
  return (body: unknown): CompletionRequest => parseBody(schema, body, unsupported);
}
