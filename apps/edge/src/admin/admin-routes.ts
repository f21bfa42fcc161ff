import { AdminKeyListQuery, CreateApiKeyRequest, ListQuery, RotateApiKeyRequest, UpdateApiKeyRequest } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Registry } from "@gateway/observability";
import { json, Router, type RequestHandler, type Response } from "express";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { listPage } from "../http/list-page.ts";
import { parseInput, pathId } from "../http/parse-input.ts";
import { requireJson } from "../http/require-json.ts";
import type { KeyAdmin } from "../keys/key-admin.ts";
import { toApiKey } from "../keys/key-record.ts";
import type { KeyRepository } from "../keys/key-repository.ts";
import { webhookSecretRoutes, type WebhookSecretRouteDeps } from "../webhooks/webhook-secret-routes.ts";
import { adminActions } from "./admin-metrics.ts";
import { listAudit } from "./audit-log.ts";

export interface AdminRouteDeps extends WebhookSecretRouteDeps {
  prisma: PrismaClient;
  keyRepository: KeyRepository;
  keyAdmin: KeyAdmin;
  requireAdmin: RequestHandler;
  registry: Registry;
}

const found = <T>(value: T | undefined, id: string): T => {
  if (value === undefined) throw new AppError("not_found", `no API key ${id}`);
  return value;
};

/** /v1/admin/…: key and webhook secret management for operators, every change audited (key-admin.ts, webhook-secret-admin.ts). */
export function adminRoutes(deps: AdminRouteDeps): Router {
  const { prisma, keyRepository, keyAdmin, requireAdmin, registry } = deps;
  const actions = adminActions(registry);
  const router = Router();
  const body = [requireJson, json({ limit: "64kb" })];
  const who = (res: Response) => ({ actor: "admin-api", requestId: res.locals.requestId });
  router.use("/v1/admin", requireAdmin);

  router.post("/v1/admin/keys", ...body, async (req, res) => {
    const created = await keyAdmin.create(parseInput(CreateApiKeyRequest, req.body), who(res));
    actions.inc({ action: "key.create" });
    res.status(201).json(created);
  });

  router.get("/v1/admin/keys", async (req, res) => {
    const query = parseInput(AdminKeyListQuery, req.query);
    const page = await keyRepository.list({ tenantId: query.tenant_id, after: query.after, limit: query.limit });
    res.json(listPage({ data: page.data.map(toApiKey), hasMore: page.hasMore }));
  });

  router.get("/v1/admin/keys/:id", async (req, res) => {
    res.json(toApiKey(found(await keyRepository.get(pathId(req)), pathId(req))));
  });

  router.patch("/v1/admin/keys/:id", ...body, async (req, res) => {
    const updated = found(await keyAdmin.update(pathId(req), parseInput(UpdateApiKeyRequest, req.body), who(res)), pathId(req));
    actions.inc({ action: "key.update" });
    res.json(updated);
  });

  router.post("/v1/admin/keys/:id/rotate", ...body, async (req, res) => {
    const { grace_seconds } = parseInput(RotateApiKeyRequest, req.body);
    const rotated = found(await keyAdmin.rotate(pathId(req), grace_seconds, who(res)), pathId(req));
    actions.inc({ action: "key.rotate" });
    res.json(rotated);
  });

  router.post("/v1/admin/keys/:id/revoke", async (req, res) => {
    const revoked = found(await keyAdmin.revoke(pathId(req), who(res)), pathId(req));
    actions.inc({ action: "key.revoke" });
    res.json(revoked);
  });

  router.get("/v1/admin/audit", async (req, res) => {
    const { key_id, ...page } = req.query;
    const query = parseInput(ListQuery, page);
    const keyId = typeof key_id === "string" ? key_id : undefined;
    res.json(listPage(await listAudit(prisma, { keyId, after: query.after, limit: query.limit })));
  });
  router.use(webhookSecretRoutes(deps));
  return router;
}
