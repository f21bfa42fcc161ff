import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { ErrorEnvelope, type GatewayConfig } from "@gateway/contracts";
import { z } from "zod";
import { documentAdmin } from "./admin-paths.ts";
import { documentChat } from "./chat-paths.ts";
import { documentCompletions } from "./completions-paths.ts";
import { documentConversations } from "./conversations-paths.ts";
import { documentEmbeddings } from "./embeddings-paths.ts";
import { documentJobs } from "./jobs-paths.ts";
import { documentKeys } from "./keys-paths.ts";
import { documentModels } from "./models-paths.ts";
import type { DocContext, DocumentResource } from "./openapi-kit.ts";
import { documentOperations } from "./operations-paths.ts";
import { registerCommon } from "./register-common.ts";
import { documentRerank } from "./rerank-paths.ts";
import { documentUsage } from "./usage-paths.ts";
import { documentWebhookSecrets } from "./webhook-secret-paths.ts";
import { documentWebSocket } from "./ws-paths.ts";

/**
 * Every resource's routes. Documenting a new route: add it to its resource's file here (or a new
 * `<resource>-paths.ts` and one line below); openapi-coverage.test.ts fails until the route table,
 * the Express router and this document agree.
 */
const RESOURCES: DocumentResource[] = [
  documentChat,
  documentWebSocket,
  documentCompletions,
  documentEmbeddings,
  documentRerank,
  documentModels,
  documentJobs,
  documentConversations,
  documentUsage,
  documentKeys,
  documentAdmin,
  documentWebhookSecrets,
  documentOperations,
];

export const TAGS = [
  {
    name: "Chat",
    description: "OpenAI-compatible chat completions, streamed (SSE) or not, resuming a stream, and many at once over a WebSocket.",
  },
  { name: "Completions", description: "OpenAI's legacy text completions, streamed or not." },
  { name: "Embeddings", description: "OpenAI-compatible embeddings." },
  { name: "Rerank", description: "Documents scored against a query (Jina's and Cohere's shape, as llama-server speaks it)." },
  { name: "Models", description: "The deployment's models with their live status." },
  { name: "Jobs", description: "Asynchronous jobs: submit, poll, follow over SSE, cancel." },
  { name: "Conversations", description: "Server-side chat history: create, read, change, delete, and add messages." },
  { name: "Usage", description: "Tokens and cost per day and model, from billing." },
  { name: "Keys", description: "A tenant's own API keys, read-only." },
  { name: "Admin", description: "Key and webhook secret management and audit log for operators (ADMIN_API_KEY)." },
  { name: "Operations", description: "Health, readiness, metrics and this documentation." },
];

/**
 * Contract schemas were built before zod was extended for OpenAPI; a new instance of the same
 * definition has the extension (zod 4 copies methods onto each instance when it is made). Ones
 * made since (with their .meta) are used as they are.
 */
const extended = <T extends z.ZodType>(schema: T): T =>
  typeof (schema as { openapi?: unknown }).openapi === "function"
    ? schema
    : new (schema.constructor as new (def: unknown) => T)(schema._zod.def);

/** The OpenAPI 3.1 document of the edge, generated from the contracts and this deployment's models. */
export function buildOpenApiDocument(config: GatewayConfig) {
  extendZodWithOpenApi(z);
  const registry = new OpenAPIRegistry();
  const named = new Map<string, z.ZodType>();
  const ctx: DocContext = {
    registry,
    config,
    schema<T extends z.ZodType>(id: string, schema: T): T {
      if (!named.has(id)) named.set(id, registry.register(id, extended(schema)));
      return named.get(id) as T;
    },
  };
  ctx.schema("ErrorEnvelope", ErrorEnvelope);
  registerCommon(registry);
  for (const document of RESOURCES) document(ctx);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "LLM Gateway API",
      version: "1",
      description:
        "A self-hosted gateway in front of llama.cpp `llama-server` pools, compatible with the OpenAI API. Every error uses one envelope " +
        "(`ErrorEnvelope`) and every response carries `x-request-id`. Limits are per API key and tier.",
    },
    servers: [{ url: "/", description: "This gateway" }],
    tags: TAGS,
  });
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
