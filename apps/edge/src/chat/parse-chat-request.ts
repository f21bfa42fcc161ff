import {
  chatCompletionRequest,
  UNSUPPORTED_FIELDS,
  type ChatCompletionRequest,
  type ErrorCode,
  type FieldIssue,
  type GatewayConfig,
} from "@gateway/contracts";
import type { z } from "zod";
import { AppError } from "../http/app-error.ts";
import { modelIndex } from "../models/model-index.ts";

const unsupported = new Set<string>(UNSUPPORTED_FIELDS);

/** The most specific code among the issues: a typo'd field says so rather than "invalid request". */
function codeOf(issues: z.core.$ZodIssue[]): ErrorCode {
  for (const issue of issues) {
    const kind = issue.code === "custom" ? (issue.params as { kind?: ErrorCode } | undefined)?.kind : undefined;
    if (kind) return kind;
    if (issue.code === "unrecognized_keys" && issue.path.length === 0) return "unknown_parameter";
    if (issue.path.length === 1 && unsupported.has(String(issue.path[0]))) return "unsupported_parameter";
  }
  return "invalid_request";
}

function fieldIssues(issues: z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...base, key].join("."), message: "unrecognized field" }));
    }
    return [{ path: base.join("."), message: issue.message }];
  });
}

/** Builds the validator once per configuration; the returned function is on the hot path. */
export function chatRequestParser(config: GatewayConfig) {
  const schema = chatCompletionRequest({
    maxContentChars: config.max_content_chars,
    // Ids and aliases of models with a chat pool; the job carries the canonical id (toInferenceJob).
    models: new Map([...modelIndex(config)].filter(([, m]) => m.backends.length > 0).map(([name, m]) => [name, { maxOutputTokens: m.max_output_tokens }])),
  });
  return (body: unknown): ChatCompletionRequest => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new AppError("invalid_request", "the request body must be a JSON object");
    }
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    const details = fieldIssues(parsed.error.issues);
    const first = details[0];
    const message = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
    throw new AppError(codeOf(parsed.error.issues), message, { param: first?.path || null, details });
  };
}
