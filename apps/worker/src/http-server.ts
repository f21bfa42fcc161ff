import { createServer, type Server } from "node:http";
import type { Registry } from "@gateway/observability";

export interface HttpServerDeps {
  registry: Registry;
  /** Redis answers and at least one backend is ready. */
  isReady: () => Promise<boolean>;
}

/** /healthz (the process runs), /readyz (it can do work), /metrics. Built here, listened on by main.ts. */
export function createHttpServer({ registry, isReady }: HttpServerDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const json = (status: number, body: object) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return json(405, { status: "method not allowed" });
    if (path === "/healthz") return json(200, { status: "ok" });
    if (path === "/readyz") {
      void isReady()
        .catch(() => false)
        .then((ready) => json(ready ? 200 : 503, { status: ready ? "ready" : "not ready" }));
      return;
    }
    if (path === "/metrics") {
      void registry
        .metrics()
        .then((text) => res.writeHead(200, { "content-type": registry.contentType }).end(text))
        .catch(() => json(500, { status: "metrics failed" }));
      return;
    }
    json(404, { status: "not found" });
  });
}
