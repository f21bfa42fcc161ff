import { metric, prom, type Registry } from "@gateway/observability";

export type AuthFailure = "missing" | "malformed" | "unknown" | "expired" | "revoked" | "invalid_token" | "admin" | "throttled";

export function authMetrics(registry: Registry) {
  return {
    failures: metric(
      registry,
      "gateway_edge_auth_failures_total",
      () =>
        new prom.Counter({
          name: "gateway_edge_auth_failures_total",
          help: "Requests refused with 401, by reason (missing, malformed, unknown, expired, revoked, invalid_token, admin; the client sees one message for all), and with 429 for a client address that tried too many unknown keys (throttled).",
          labelNames: ["reason"],
          registers: [registry],
        }),
    ),
    keyCache: metric(
      registry,
      "gateway_edge_key_cache_lookups_total",
      () =>
        new prom.Counter({
          name: "gateway_edge_key_cache_lookups_total",
          help: "API key lookups by result: hit (served from memory), refresh (served, refreshed in the background), miss (waited for Postgres), stale (served past its TTL because Postgres is unreachable).",
          labelNames: ["result"],
          registers: [registry],
        }),
    ),
  };
}
export type AuthMetrics = ReturnType<typeof authMetrics>;
