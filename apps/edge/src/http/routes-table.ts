import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

/** Every path the edge serves and its methods: unknown paths are 404, known ones with another method 405. */
export const ROUTES: ReadonlyArray<{ path: string; methods: readonly string[] }> = [
  { path: "/v1/chat/completions", methods: ["POST"] },
  { path: "/v1/completions", methods: ["POST"] },
  { path: "/v1/embeddings", methods: ["POST"] },
  { path: "/v1/rerank", methods: ["POST"] },
  { path: "/v1/chat/completions/:id/stream", methods: ["GET"] },
  // Upgrades are taken by the HTTP server (ws-server.ts); a plain GET gets 426 from ws-route.ts.
  { path: "/v1/ws", methods: ["GET"] },
  { path: "/v1/jobs", methods: ["GET", "HEAD", "POST"] },
  { path: "/v1/jobs/:id", methods: ["GET", "HEAD", "DELETE"] },
  { path: "/v1/jobs/:id/events", methods: ["GET"] },
  { path: "/v1/conversations", methods: ["GET", "HEAD", "POST"] },
  { path: "/v1/conversations/:id", methods: ["GET", "HEAD", "PATCH", "DELETE"] },
  { path: "/v1/conversations/:id/messages", methods: ["POST"] },
  { path: "/v1/models", methods: ["GET", "HEAD"] },
  { path: "/v1/models/:id", methods: ["GET", "HEAD"] },
  { path: "/healthz", methods: ["GET", "HEAD"] },
  { path: "/readyz", methods: ["GET", "HEAD"] },
  { path: "/metrics", methods: ["GET"] },
  { path: "/openapi.json", methods: ["GET", "HEAD"] },
  { path: "/docs", methods: ["GET", "HEAD"] },
  { path: "/docs/:asset", methods: ["GET", "HEAD"] },
  { path: "/v1/usage", methods: ["GET", "HEAD"] },
  { path: "/v1/keys", methods: ["GET", "HEAD"] },
  { path: "/v1/keys/:id", methods: ["GET", "HEAD"] },
  { path: "/v1/admin/keys", methods: ["GET", "HEAD", "POST"] },
  { path: "/v1/admin/keys/:id", methods: ["GET", "HEAD", "PATCH"] },
  { path: "/v1/admin/keys/:id/rotate", methods: ["POST"] },
  { path: "/v1/admin/keys/:id/revoke", methods: ["POST"] },
  { path: "/v1/admin/audit", methods: ["GET", "HEAD"] },
];

/** A `:name` segment matches any one segment. */
const matches = (pattern: string, path: string): boolean => {
  const want = pattern.split("/");
  const got = path.split("/");
  return want.length === got.length && want.every((segment, i) => segment.startsWith(":") || segment === got[i]);
};

export const unmatchedRoute: RequestHandler = (req) => {
  const route = ROUTES.find((r) => matches(r.path, req.path));
  if (route) {
    throw new AppError("method_not_allowed", `${req.method} is not allowed on ${req.path}`, {
      headers: { allow: route.methods.join(", ") },
    });
  }
  throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
};
