import client from "prom-client";
import { DROP_REASONS, droppedLogLines } from "./dropped-log-lines.ts";

export type Registry = client.Registry;

/**
 * One registry per process. Default process metrics carry the `gateway_` prefix and every series
 * a bounded `service` label, so one Prometheus job can scrape all services side by side.
 */
export function createRegistry(service: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry, prefix: "gateway_" });
  registerDroppedLogLines(registry);
  return registry;
}

/** Returns the metric already registered under `name`, or registers the one `make` builds. */
export function metric<T extends client.Metric>(registry: client.Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The logger counts in a plain per-process tally (it exists before any registry, and costs one
 * increment a dropped line); each registry copies the tally when it is scraped.
 */
function registerDroppedLogLines(registry: client.Registry): void {
  metric(
    registry,
    "gateway_log_lines_dropped_total",
    () =>
      new client.Counter({
        name: "gateway_log_lines_dropped_total",
        help: "Log lines dropped instead of written to stdout, by reason: broken_pipe (the reader is gone), backpressure (the reader is behind by more than the logger's buffer), write_error (any other failed write)",
        labelNames: ["reason"],
        registers: [registry],
        collect() {
          const dropped = droppedLogLines();
          this.reset();
          for (const reason of DROP_REASONS) this.inc({ reason }, dropped[reason]);
        },
      }),
  );
}

export { client as prom };
