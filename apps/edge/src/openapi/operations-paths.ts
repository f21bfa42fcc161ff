import { z } from "zod";
import { DOCS_ASSETS } from "../docs/docs-page.ts";
import { errorResponses } from "./error-responses.ts";
import { json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

const text = (example: string, type = "text/plain") => ({ [type]: { schema: { type: "string" as const }, example } });

export function documentOperations({ registry }: DocContext): void {
  const common = { tags: ["Operations"], security: SECURITY.none };
  registry.registerPath({
    ...common,
    method: "get",
    path: "/healthz",
    operationId: "health",
    summary: "Liveness",
    description: "The process serves HTTP. Never depends on Redis or Postgres: an outage must not get it restarted.",
    responses: { 200: ok("Alive.", json(z.object({ status: z.literal("ok") }), { status: "ok" })) },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/readyz",
    operationId: "ready",
    summary: "Readiness",
    description: "Redis reachable, a worker heartbeat seen recently, not shutting down. Turns 503 as soon as SIGTERM arrives.",
    responses: {
      200: ok(
        "Ready.",
        json(z.object({ status: z.literal("ready"), checks: z.record(z.string(), z.unknown()) }), {
          status: "ready",
          checks: { accepting: true, redis: true, workers: 2 },
        }),
      ),
      ...errorResponses("not_ready"),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/metrics",
    operationId: "metrics",
    summary: "Prometheus metrics",
    description: "This process's metrics in the Prometheus text format (`gateway_` prefix; see docs/architecture.md).",
    responses: {
      200: ok(
        "The metrics.",
        text(
          '# TYPE gateway_http_requests_total counter\ngateway_http_requests_total{route="/v1/models",method="GET",status_class="2xx",service="edge"} 3\n',
        ),
      ),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/openapi.json",
    operationId: "openapi",
    summary: "This OpenAPI document",
    description: "Generated from the contracts and this deployment's models.",
    responses: {
      200: ok("The OpenAPI 3.1 document.", { "application/json": { schema: { type: "object" }, example: { openapi: "3.1.0" } } }),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/docs",
    operationId: "docs",
    summary: "Interactive API documentation",
    description: "Swagger UI for this document, served by the gateway itself (no CDN).",
    responses: { 200: ok("An HTML page.", text("<!doctype html>…", "text/html")) },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/docs/{asset}",
    operationId: "docsAsset",
    summary: "An asset of the documentation page",
    description: "Swagger UI's files from the swagger-ui-dist package, and the page's initializer.",
    request: { params: z.object({ asset: z.enum(DOCS_ASSETS) }) },
    responses: {
      200: ok("The file.", { "application/octet-stream": { schema: { type: "string", format: "binary" } } }),
      ...errorResponses("not_found"),
    },
  });
}
