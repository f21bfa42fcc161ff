import { DailyUsageQuery, KeyTokensQuery, UsageRangeQuery, type KeyTokens } from "@gateway/contracts";
import { Router } from "express";
import { dailyUsage, usageRange } from "../usage/summarize-usage.ts";
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
  // The edge raises its per-key token counters to these totals, so they cannot drift low forever.
  router.get("/internal/v1/usage/keys", async (req, res) => {
    const query = KeyTokensQuery.parse(req.query);
    const rows = await repository.tokensByKey(query.date, query.key_id);
    const body: KeyTokens = { date: query.date, data: rows.map((r) => ({ key_id: r.keyId, total_tokens: r.totalTokens })) };
    res.json(body);
  });
  return router;
}
