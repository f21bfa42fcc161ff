import { MAX_RANGE_DAYS, UsageReportQuery } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, type RequestHandler } from "express";
import { parseInput } from "../http/parse-input.ts";
import type { BillingClient } from "./billing-client.ts";
import { usageReport } from "./usage-report.ts";
import { utcDay } from "../limits/utc-day.ts";

export interface UsageRouteDeps {
  /** Undefined when BILLING_URL is not configured: the route answers 503. */
  billing: BillingClient | undefined;
  /** Tenant key or admin credential (admin-credential.ts). */
  authenticateTenantOrAdmin: RequestHandler;
  now?: () => number;
}

const DEFAULT_DAYS = 7;

/**
 * GET /v1/usage: a tenant's usage per day and model, from billing. A tenant key reads its own
 * tenant only; naming another is 404, the same answer as a tenant that does not exist.
 */
export function usageRoutes({ billing, authenticateTenantOrAdmin, now = Date.now }: UsageRouteDeps): Router {
  const router = Router();
  router.get("/v1/usage", authenticateTenantOrAdmin, async (req, res) => {
    const query = parseInput(UsageReportQuery, req.query);
    let tenantId: string;
    if (res.locals.admin) {
      if (!query.tenant_id)
        throw new AppError("invalid_request", "tenant_id is required with the admin credential", { param: "tenant_id" });
      tenantId = query.tenant_id;
    } else {
      tenantId = res.locals.caller.tenant_id;
      if (query.tenant_id !== undefined && query.tenant_id !== tenantId)
        throw new AppError("not_found", `no usage for tenant '${query.tenant_id}'`);
    }
    const to = query.to ?? utcDay(now());
    const from = query.from ?? utcDay(Date.parse(to) - (DEFAULT_DAYS - 1) * 86_400_000);
    if (from > to) throw new AppError("invalid_request", "from must not be after to", { param: "from" });
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 >= MAX_RANGE_DAYS) {
      throw new AppError("invalid_request", `the range may cover at most ${MAX_RANGE_DAYS} days`, { param: "from" });
    }
    if (!billing) throw new AppError("backend_unavailable", "usage reporting is not configured on this gateway");
    res.json(usageReport(await billing.usageRange(tenantId, from, to, res.locals.requestId)));
  });
  return router;
}
