import { DailyUsageQuery } from "@gateway/contracts";
import { Router } from "express";
import { dailyUsage, usageRange } from "../usage/summarize-usage.ts";
import { UsageRangeQuery } from "@gateway/contracts";
import type { UsageRepository } from "../usage/usage-repository.ts";

/** The internal usage API the edge calls; days are UTC days. */
export function usageRoutes(repository: UsageRepository): Router {
  const router = Router();
  router.get("/internal/v1/usage/daily", async (req, res) => {
    const query = DailyUsageQuery.parse(req.query);
    res.json(await dailyUsage(repository, query.tenant_id, query.date));
  });
  router.get("/internal/v1/usage", async (req, res) => {
    const query = UsageRangeQuery.parse(req.query);
    res.json(await usageRange(repository, query.tenant_id, query.from, query.to));
  });
  return router;
}
