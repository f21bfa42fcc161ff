import { ListQuery } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, type RequestHandler } from "express";
import { listPage } from "../http/list-page.ts";
import { parseInput, pathId } from "../http/parse-input.ts";
import { toApiKey } from "./key-record.ts";
import type { KeyRepository } from "./key-repository.ts";

/**
 * A tenant's view of its own keys (read-only; changes go through an admin). Another tenant's key
 * is 404, the same answer as a key that does not exist: ids reveal nothing across tenants.
 */
export function keyRoutes(keys: KeyRepository, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/v1/keys", authenticate, async (req, res) => {
    const query = parseInput(ListQuery, req.query);
    const page = await keys.list({ tenantId: res.locals.caller.tenant_id, after: query.after, limit: query.limit });
    res.json(listPage({ data: page.data.map(toApiKey), hasMore: page.hasMore }));
  });
  router.get("/v1/keys/:id", authenticate, async (req, res) => {
    const id = pathId(req);
    const key = await keys.get(id);
    if (!key || key.tenantId !== res.locals.caller.tenant_id) throw new AppError("not_found", `no API key ${id}`);
    res.json(toApiKey(key));
  });
  return router;
}
