import { RotateWebhookSecretRequest, WebhookSecretPath } from "@gateway/contracts";
import type { Registry } from "@gateway/observability";
import { json, Router, type Request, type Response } from "express";
import { adminActions } from "../admin/admin-metrics.ts";
import { parseInput } from "../http/parse-input.ts";
import { requireJson } from "../http/require-json.ts";
import type { SigningKeyCache } from "./signing-key-cache.ts";
import type { WebhookSecretAdmin } from "./webhook-secret-admin.ts";

export interface WebhookSecretRouteDeps {
  webhookSecrets: WebhookSecretAdmin;
  webhookKeys: SigningKeyCache;
  registry: Registry;
}

const PATH = "/v1/admin/tenants/:tenant_id/webhook-secret";

/** A tenant's webhook signing secret for operators; mounted behind the admin credential (admin-routes.ts). */
export function webhookSecretRoutes({ webhookSecrets, webhookKeys, registry }: WebhookSecretRouteDeps): Router {
  const actions = adminActions(registry);
  const router = Router();
  const who = (res: Response) => ({ actor: "admin-api", requestId: res.locals.requestId });
  const tenantOf = (req: Request) => parseInput(WebhookSecretPath, req.params).tenant_id;

  router.post(PATH, async (req, res) => {
    const created = await webhookSecrets.create(tenantOf(req), who(res));
    // Other replicas see it within KEY_CACHE_TTL_MS; this one at once.
    webhookKeys.clear();
    actions.inc({ action: "webhook_secret.create" });
    res.status(201).json(created);
  });

  router.get(PATH, async (req, res) => {
    res.json(await webhookSecrets.show(tenantOf(req)));
  });

  router.post(`${PATH}/rotate`, requireJson, json({ limit: "64kb" }), async (req, res) => {
    const tenantId = tenantOf(req);
    const { grace_seconds } = parseInput(RotateWebhookSecretRequest, req.body);
    const rotated = await webhookSecrets.rotate(tenantId, grace_seconds, who(res));
    webhookKeys.clear();
    actions.inc({ action: "webhook_secret.rotate" });
    res.json(rotated);
  });
  return router;
}
