import { embeddingsRequest, EMBEDDINGS_UNSUPPORTED_FIELDS, type EmbeddingsRequest, type ErrorCode, type GatewayConfig } from "@gateway/contracts";
import type { z } from "zod";
import { AppError } from "../http/app-error.ts";

const unsupported = new Set<string>(EMBEDDINGS_UNSUPPORTED_FIELDS);

function codeOf(issues: z.core.$ZodIssue[]): ErrorCode {
  for (const issue of issues) {
    const kind = issue.code === "custom" ? (issue.params as { kind?: ErrorCode } | undefined)?.kind : undefined;
    if (kind) return kind;
    if (issue.code === "unrecognized_keys" && issue.path.length === 0) return "unknown_parameter";
    if (issue.path.length === 1 && unsupported.has(String(issue.path[0]))) return "unsupported_parameter";
  }
  return "invalid_request";
}

/**
 * Builds the validator once per configuration (names: ids and aliases of models with an
 * embeddings pool); the returned function is on the request path.
 */
export function embeddingsRequestParser(config: GatewayConfig) {
  const schema = embeddingsRequest({
    maxInputChars: config.max_content_chars,
    models: new Set(config.models.filter((m) => m.embedding_backends.length > 0).flatMap((m) => [m.id, ...m.aliases])),
  });
  return (body: unknown): EmbeddingsRequest => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new AppError("invalid_request", "the request body must be a JSON object");
    }
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const details = parsed.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({ path: [...issue.path.map(String), key].join("."), message: "unrecognized field" }))
        : [{ path: issue.path.map(String).join("."), message: issue.message }],
    );
    // `input` fails every branch of its union at once: one line says what it must be.
    const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
    throw new AppError(codeOf(parsed.error.issues), message, { param: details[0]?.path || null, details });
  };
}
