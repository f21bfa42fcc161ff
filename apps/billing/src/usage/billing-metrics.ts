import { metric, prom, type Registry } from "@gateway/observability";

/**
 * Billing's own series. The `model` label is bounded by the deployment's model list: the worker
 * only serves configured models; `tier` by the configured tiers. Tenant, key and request ids
 * never become labels.
 */
export function billingMetrics(registry: Registry) {
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    metric(registry, name, () => new prom.Counter({ name, help, labelNames, registers: [registry] }));
  const gauge = (name: string, help: string) => metric(registry, name, () => new prom.Gauge({ name, help, registers: [registry] }));
  return {
    events: counter("gateway_billing_usage_events_total", "Usage rows written, by request outcome.", ["outcome"]),
    duplicates: counter(
      "gateway_billing_duplicate_events_total",
      "Usage events whose request_id was already billed: dropped without writing.",
    ),
    unpriced: counter(
      "gateway_billing_unpriced_events_total",
      "Usage rows written with cost 0 because the model has no price in the configuration.",
      ["model"],
    ),
    tokens: counter("gateway_billing_tokens_total", "Tokens billed, by model, the key's tier and kind (prompt, completion).", [
      "model",
      "tier",
      "kind",
    ]),
    cost: counter(
      "gateway_billing_cost_total",
      "Cost billed, by model and the key's tier, in the price table's currency. A float for dashboards: Postgres holds the exact amounts.",
      ["model", "tier"],
    ),
    deliveries: counter(
      "gateway_billing_deliveries_total",
      "Entries of the deliveries stream written to usage_deliveries, by outcome: recorded (a request's first delivery), duplicate (already recorded: an entry read again, or a second delivery of one answer), invalid (unreadable, dropped).",
      ["outcome"],
    ),
    healed: counter(
      "gateway_billing_deliveries_healed_total",
      "Usage rows given their delivery time by the periodic sweep: the row and its delivery were written at the same moment, so neither saw the other.",
    ),
    unread: gauge(
      "gateway_billing_deliveries_unread",
      "Entries of the deliveries stream billing's consumer group has not read yet, as of its last maintenance round.",
    ),
    pending: gauge(
      "gateway_billing_deliveries_pending",
      "Entries of the deliveries stream read by a billing process but not yet acknowledged (not yet written, or held by one that died), as of the last maintenance round.",
    ),
    invalid: counter(
      "gateway_billing_invalid_usage_events_total",
      "Entries of the usage stream that are not a usage event: never billed, set aside in <ns>:usage-events:invalid.",
    ),
    usageUnread: gauge(
      "gateway_billing_usage_unread",
      "Entries of the usage stream billing's consumer group has not read yet, as of its last maintenance round.",
    ),
    usagePending: gauge(
      "gateway_billing_usage_pending",
      "Entries of the usage stream read by a billing process but not yet written (Postgres refusing, or held by one that died), as of the last maintenance round.",
    ),
    lag: metric(
      registry,
      "gateway_billing_lag_seconds",
      () =>
        new prom.Histogram({
          name: "gateway_billing_lag_seconds",
          help: "Time from a request finishing (the event's finished_at) to its usage row being written.",
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
          registers: [registry],
        }),
    ),
  };
}
export type BillingMetrics = ReturnType<typeof billingMetrics>;
