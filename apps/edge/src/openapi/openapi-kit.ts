import type { OpenAPIRegistry, ResponseConfig, ZodContentObject } from "@asteasolutions/zod-to-openapi";
import type { GatewayConfig } from "@gateway/contracts";
import { z } from "zod";

/** What each resource's documenting function gets: the registry and the deployment's configuration. */
export interface DocContext {
  registry: OpenAPIRegistry;
  config: GatewayConfig;
  /** Registers a schema under `id` in components/schemas once and returns the schema that refers to it. */
  schema<T extends z.ZodType>(id: string, schema: T): T;
}

/** One resource's routes: one file per resource in this folder, listed in build-openapi-document.ts. */
export type DocumentResource = (ctx: DocContext) => void;

type Security = { [scheme: string]: string[] }[];
export const SECURITY: Record<"apiKey" | "admin" | "apiKeyOrAdmin" | "none", Security> = {
  /** An API key (`sk-gw-…`) or, where enabled, a JWT. */
  apiKey: [{ ApiKey: [] }],
  admin: [{ AdminKey: [] }],
  apiKeyOrAdmin: [{ ApiKey: [] }, { AdminKey: [] }],
  none: [],
};

const REQUEST_ID_HEADER = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
export const RATE_LIMIT_HEADERS = Object.fromEntries(
  ["limit-requests", "remaining-requests", "reset-requests", "limit-tokens", "remaining-tokens", "reset-tokens"].map((h) => [
    `x-ratelimit-${h}`,
    { $ref: `#/components/headers/RateLimit${h.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())}` },
  ]),
);

/** `application/json` content with its example. */
export const json = (schema: z.ZodType, example: unknown): ZodContentObject => ({ "application/json": { schema, example } });

/** A success response; every response carries x-request-id. */
export function ok(description: string, content?: ZodContentObject, headers: Record<string, { $ref: string }> = {}): ResponseConfig {
  return { description, headers: { ...REQUEST_ID_HEADER, ...headers }, ...(content ? { content } : {}) };
}

/** A `text/event-stream` response: the schema of each `data:` payload is in the description. */
export function sse(description: string, example: string, headers: Record<string, { $ref: string }> = {}): ResponseConfig {
  return {
    description,
    headers: { ...REQUEST_ID_HEADER, ...headers },
    content: { "text/event-stream": { schema: { type: "string" }, example } },
  };
}

export const EXAMPLE_REQUEST_ID = "req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e";
export const EXAMPLE_KEY_ID = "key_mb2x9k1q0a1B2c3D4e5F";

/**
 * A request body schema as the docs show it: fields the gateway refuses on purpose (z.never,
 * which OpenAPI cannot express) are left out and named in the description instead, and `model`
 * lists the names this deployment accepts.
 */
export function documentedRequest(
  request: z.ZodObject,
  refused: readonly string[],
  models: readonly string[],
  description: string,
): z.ZodObject {
  const shape = Object.fromEntries(Object.entries(request.shape).filter(([field]) => !refused.includes(field))) as z.ZodRawShape;
  const model =
    models.length > 0
      ? { model: z.enum(models as [string, ...string[]]).meta({ description: "A model id or alias of this deployment (GET /v1/models)." }) }
      : {};
  return z
    .strictObject({ ...shape, ...model })
    .meta({ description: `${description} Refused with 400 unsupported_parameter: ${refused.join(", ")}.` });
}
