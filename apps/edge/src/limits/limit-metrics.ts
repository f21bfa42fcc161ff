import { metric, prom, type Registry } from "@gateway/observability";

/** Admission's series; `tier` is bounded by the configured tiers, never a key or tenant. */
export function limitMetrics(registry: Registry) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    metric(registry, name, () => new prom.Counter({ name, help, labelNames, registers: [registry] }));
  return {
    rejections: counter(
      "gateway_edge_limit_rejections_total",
      "Requests refused with 429, by tier and limit (requests, concurrency, tokens).",
      ["tier", "limit"],
    ),
    reserved: counter("gateway_edge_tokens_reserved_total", "Tokens reserved at admission (prompt upper bound + max_tokens), by tier.", [
      "tier",
    ]),
    settled: counter("gateway_edge_tokens_settled_total", "Tokens really used, counted when a reservation is settled, by tier.", ["tier"]),
    expiredLeases: counter(
      "gateway_edge_limit_leases_expired_total",
      "Concurrency leases dropped because nobody renewed them (an edge died or stalled with requests in flight).",
    ),
    tokenize: counter(
      "gateway_edge_tokenize_requests_total",
      "Exact prompt counts asked of a backend near the token quota, by outcome (counted, failed).",
      ["outcome"],
    ),
    reconciled: counter(
      "gateway_edge_quota_reconciled_tokens_total",
      "Tokens added to the daily counters because billing recorded more than the edge had counted.",
    ),
    reconcileRuns: counter("gateway_edge_quota_reconcile_runs_total", "Reconciliation passes against billing, by outcome (done, failed).", [
      "outcome",
    ]),
    checkDuration: metric(
      registry,
      "gateway_edge_limit_check_duration_seconds",
      () =>
        new prom.Histogram({
          name: "gateway_edge_limit_check_duration_seconds",
          help: "Time to decide admission (requests per minute, concurrency and tokens in one Redis round trip).",
          buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
          registers: [registry],
        }),
    ),
    contentPolicy: counter(
      "gateway_edge_content_policy_violations_total",
      "Requests refused by the content policy, by rule (the pattern's index in CONTENT_BLOCKED_PATTERNS).",
      ["rule"],
    ),
  };
}
export type LimitMetrics = ReturnType<typeof limitMetrics>;
