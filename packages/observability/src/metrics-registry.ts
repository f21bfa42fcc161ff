import client from "prom-client";

export type Registry = client.Registry;

/**
 * One registry per process. Default process metrics carry the `gateway_` prefix and every series
 * a bounded `service` label, so one Prometheus job can scrape all services side by side.
 */
export function createRegistry(service: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry, prefix: "gateway_" });
  return registry;
}

/** Returns the metric already registered under `name`, or registers the one `make` builds. */
export function metric<T extends client.Metric>(registry: client.Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export { client as prom };
