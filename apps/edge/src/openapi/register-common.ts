import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";

const header = (description: string, schema: { type: "string" | "integer"; example?: unknown }) => ({ description, schema });

/** Security schemes and the headers responses share. */
export function registerCommon(registry: OpenAPIRegistry): void {
  registry.registerComponent("securitySchemes", "ApiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key made by the gateway (`sk-gw-…`, `pnpm gateway keys create` or the admin API), or a JWT where enabled.",
  });
  registry.registerComponent("securitySchemes", "AdminKey", {
    type: "http",
    scheme: "bearer",
    description: "The operator credential `ADMIN_API_KEY`; the admin API answers 401 to everyone while it is unset.",
  });
  const headers: Record<string, ReturnType<typeof header>> = {
    RequestId: header(
      "The request's id: the client's `x-request-id` if it was sane, else one the gateway made. Also the job id and the usage row's id.",
      {
        type: "string",
        example: "req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e",
      },
    ),
    RetryAfter: header("Seconds to wait before retrying.", { type: "integer", example: 5 }),
    UsageCost: header(
      "The request's cost in the price table's currency, as an exact decimal string (JSON responses; streams carry it in the usage chunk).",
      {
        type: "string",
        example: "0.000046",
      },
    ),
    ResumeUrl: header("Where a stream can be resumed after a disconnect (send Last-Event-ID).", {
      type: "string",
      example: "/v1/chat/completions/req_3f1c/stream",
    }),
    RateLimitLimitRequests: header("Requests per minute of the key's tier.", { type: "integer", example: 60 }),
    RateLimitRemainingRequests: header("Requests left in the current minute.", { type: "integer", example: 59 }),
    RateLimitResetRequests: header("Time until the request window resets, e.g. `12s`.", { type: "string", example: "12s" }),
    RateLimitLimitTokens: header("Tokens per UTC day of the key's tier.", { type: "integer", example: 1000000 }),
    RateLimitRemainingTokens: header("Tokens left today after this request's reservation.", { type: "integer", example: 998720 }),
    RateLimitResetTokens: header("Time until the token budget resets (UTC midnight).", { type: "string", example: "8h21m3s" }),
  };
  for (const [name, value] of Object.entries(headers)) registry.registerComponent("headers", name, value);
}
