import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

export interface RouteEntry {
  path: string;
  methods: readonly string[];
  /** Operators' routes: on the internal listener when INTERNAL_PORT is set (never on the public one then). */
  internal?: true;
}

/** Every path the edge serves and its methods: unknown paths are 404, known ones with another method 405. */
export const ROUTES: readonly RouteEntry[] = [
  { path: "/v1/chat/completions", methods: ["POST"] },
  { path: "/v1/completions", methods: ["POST"] },
  { path: "/v1/embeddings", methods: ["POST"] },
  { path: "/v1/chat/completions/:id", methods: ["GET"] },
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
  { path: "/metrics", methods: ["GET"], internal: true },
  { path: "/openapi.json", methods: ["GET", "HEAD"] },
  { path: "/docs", methods: ["GET", "HEAD"] },
  { path: "/docs/:asset", methods: ["GET", "HEAD"] },
  { path: "/v1/usage", methods: ["GET", "HEAD"] },
  { path: "/v1/keys", methods: ["GET", "HEAD"] },
  { path: "/v1/keys/:id", methods: ["GET", "HEAD"] },
  { path: "/v1/admin/keys", methods: ["GET", "HEAD", "POST"], internal: true },
  { path: "/v1/admin/keys/:id", methods: ["GET", "HEAD", "PATCH"], internal: true },
  { path: "/v1/admin/keys/:id/rotate", methods: ["POST"], internal: true },
  { path: "/v1/admin/keys/:id/revoke", methods: ["POST"], internal: true },
  { path: "/v1/admin/audit", methods: ["GET", "HEAD"], internal: true },
  { path: "/v1/admin/tenants/:tenant_id/webhook-secret", methods: ["GET", "HEAD", "POST"], internal: true },
  { path: "/v1/admin/tenants/:tenant_id/webhook-secret/rotate", methods: ["POST"], internal: true },
];

/** A `:name` segment matches any one segment. */
const matches = (pattern: string, path: string): boolean => {
  const want = pattern.split("/");
  const got = path.split("/");
  return want.length === got.length && want.every((segment, i) => segment.startsWith(":") || segment === got[i]);
};

/** Which routes a listener serves: all of them, or the public or internal ones when INTERNAL_PORT splits them. */
export type Listener = "all" | "public" | "internal";

const PROBES = new Set(["/healthz", "/readyz"]);

export const routesOf = (listener: Listener): readonly RouteEntry[] =>
  listener === "all"
    ? ROUTES
    : ROUTES.filter((r) => (listener === "internal" ? r.internal === true || PROBES.has(r.path) : r.internal !== true));

/** The last route of a listener: 405 (with Allow) for a path it serves with another method, 404 for any other path. */
export function unmatchedRoute(listener: Listener = "all"): RequestHandler {
  const routes = routesOf(listener);
  return (req) => {
    const route = routes.find((r) => matches(r.path, req.path));
    if (route) {
      throw new AppError("method_not_allowed", `${req.method} is not allowed on ${req.path}`, {
        headers: { allow: route.methods.join(", ") },
      });
    }
    throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
  };
}
