import { ApiKey, ApiKeyList, ListQuery } from "@gateway/contracts";
import { z } from "zod";
import { errorResponses } from "./error-responses.ts";
import { EXAMPLE_KEY_ID, json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

export const API_KEY_EXAMPLE = {
  id: EXAMPLE_KEY_ID,
  object: "api_key",
  tenant_id: "acme",
  name: "ci",
  tier: "premium",
  prefix: "sk-gw-AbCdEf",
  allowed_models: null,
  expires_at: null,
  revoked_at: null,
  last_used_at: "2026-11-29T08:00:00.000Z",
  created_at: "2026-11-01T12:00:00.000Z",
  updated_at: "2026-11-01T12:00:00.000Z",
};

export const keyIdParam = z.object({ id: z.string().meta({ description: "The key's id.", example: EXAMPLE_KEY_ID }) });

export function documentKeys({ registry, schema }: DocContext): void {
  const page = { object: "list", data: [API_KEY_EXAMPLE], has_more: false, first_id: EXAMPLE_KEY_ID, last_id: EXAMPLE_KEY_ID };
  registry.registerPath({
    method: "get",
    path: "/v1/keys",
    operationId: "listOwnKeys",
    summary: "List the tenant's keys",
    description: "The calling key's tenant's keys, read-only (changes go through an operator). Never a secret.",
    tags: ["Keys"],
    security: SECURITY.apiKey,
    request: { query: ListQuery },
    responses: {
      200: ok("A page of keys.", json(schema("ApiKeyList", ApiKeyList), page)),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/keys/{id}",
    operationId: "retrieveOwnKey",
    summary: "Retrieve one of the tenant's keys",
    description: "Another tenant's key is 404, the same answer as a key that does not exist.",
    tags: ["Keys"],
    security: SECURITY.apiKey,
    request: { params: keyIdParam },
    responses: { 200: ok("The key.", json(schema("ApiKey", ApiKey), API_KEY_EXAMPLE)), ...errorResponses("invalid_api_key", "not_found") },
  });
}
