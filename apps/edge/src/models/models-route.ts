import type { GatewayConfig } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, type RequestHandler } from "express";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import type { ModelDirectory } from "./model-directory.ts";

export interface ModelRouteDeps {
  config: GatewayConfig;
  /** Puts the principal on res.locals, or 401. */
  authenticate: RequestHandler;
  directory: ModelDirectory;
}

const notAllowed: RequestHandler = (req) => {
  throw new AppError("method_not_allowed", `${req.method} is not allowed on ${req.path}`, { headers: { allow: "GET, HEAD" } });
};

/**
 * `GET /v1/models` and `GET /v1/models/{id}` (ids may contain "/"), in OpenAI's shape with live
 * status from the workers' registry. A key limited to some models sees only those.
 */
export function modelsRoute({ config, authenticate, directory }: ModelRouteDeps): Router {
  const router = Router();
  router.get("/v1/models", authenticate, (_req, res) => {
    const allowed = res.locals.principal?.allowedModels;
    res.json(directory.list((m) => !allowed || [m.id, ...m.aliases].some((name) => allowed.includes(name))));
  });
  router.get("/v1/models/*id", authenticate, (req, res) => {
    const id = (req.params as { id: string[] }).id.join("/");
    const model = directory.detail(id);
    if (!model) throw new AppError("model_not_found", `the model '${id}' does not exist`, { param: "model" });
    assertModelAllowed(res.locals.principal, id, config);
    res.json(model);
  });
  router.all(["/v1/models", "/v1/models/*id"], notAllowed);
  return router;
}
