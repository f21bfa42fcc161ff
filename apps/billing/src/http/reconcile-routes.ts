import { ReconcileQuery } from "@gateway/contracts";
import { Router } from "express";
import type { ReconcileRepository } from "../reconcile/reconcile-repository.ts";
import { reconcileUsage } from "../reconcile/reconcile-usage.ts";

/** `GET /internal/v1/reconcile`: what `pnpm gateway usage reconcile` asks billing (behind the internal token). */
export function reconcileRoutes(repository: ReconcileRepository): Router {
  const router = Router();
  router.get("/internal/v1/reconcile", async (req, res) => {
    res.json(await reconcileUsage(repository, ReconcileQuery.parse(req.query)));
  });
  return router;
}
