import { createRequire } from "node:module";
import { dirname } from "node:path";
import type { GatewayConfig } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router } from "express";
import { buildOpenApiDocument, type OpenApiDocument } from "../openapi/build-openapi-document.ts";
import { DOCS_ASSETS, DOCS_CSP, DOCS_INIT_SCRIPT, DOCS_PAGE } from "./docs-page.ts";

/**
 * `/openapi.json` (built from the contracts and this deployment's models on first use, then kept)
 * and `/docs` (interactive docs). Public: they describe the API, not anyone's data.
 */
export function docsRoutes(config: GatewayConfig): Router {
  const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  let document: OpenApiDocument | undefined;
  const router = Router();
  router.get("/openapi.json", (_req, res) => {
    document ??= buildOpenApiDocument(config);
    res.json(document);
  });
  router.get("/docs", (_req, res) => {
    res.setHeader("content-security-policy", DOCS_CSP);
    res.type("html").send(DOCS_PAGE);
  });
  router.get("/docs/:asset", (req, res) => {
    const asset = req.params.asset;
    if (asset === "init.js") {
      res.type("js").send(DOCS_INIT_SCRIPT);
      return;
    }
    if (!(DOCS_ASSETS as readonly string[]).includes(asset)) throw new AppError("not_found", `no documentation asset '${asset}'`);
    res.sendFile(asset, { root: assetsDir, maxAge: "1h" });
  });
  return router;
}
