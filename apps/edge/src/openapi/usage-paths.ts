import { UsageReport, UsageReportQuery } from "@gateway/contracts";
import { errorResponses } from "./error-responses.ts";
import { json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

const totals = { requests: 42, prompt_tokens: 5120, completion_tokens: 2048, total_tokens: 7168, cost: "0.001331" };

export function documentUsage({ registry, schema }: DocContext): void {
  registry.registerPath({
    method: "get",
    path: "/v1/usage",
    operationId: "getUsage",
    summary: "Usage per day and model",
    description:
      "The calling key's tenant's totals over UTC days `from`..`to` (default the last 7, at most 366), per day, per model and per day and model. " +
      "With the admin credential, `tenant_id` names the tenant. Costs are exact decimal strings.",
    tags: ["Usage"],
    security: SECURITY.apiKeyOrAdmin,
    request: { query: UsageReportQuery },
    responses: {
      200: ok(
        "The usage report.",
        json(schema("UsageReport", UsageReport), {
          object: "usage.report",
          tenant_id: "acme",
          from: "2026-11-23",
          to: "2026-11-29",
          totals,
          by_day: [{ date: "2026-11-29", ...totals }],
          by_model: [{ model: "stories260k", ...totals }],
          data: [{ date: "2026-11-29", model: "stories260k", ...totals }],
        }),
      ),
      ...errorResponses("invalid_request", "unknown_parameter", "invalid_api_key", "not_found", "backend_unavailable"),
    },
  });
}
