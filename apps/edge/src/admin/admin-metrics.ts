import { metric, prom, type Registry } from "@gateway/observability";

export const adminActions = (registry: Registry) =>
  metric(
    registry,
    "gateway_edge_admin_actions_total",
    () =>
      new prom.Counter({
        name: "gateway_edge_admin_actions_total",
        help: "Changes made through the admin API, by action (key.create, key.update, key.rotate, key.revoke, webhook_secret.create, webhook_secret.rotate).",
        labelNames: ["action"],
        registers: [registry],
      }),
  );
