import type { GatewayConfig, ModelConfig } from "@gateway/contracts";

const indexes = new WeakMap<GatewayConfig, ReadonlyMap<string, ModelConfig>>();

/**
 * Every name a client may use for a model (its id and its aliases) to the model: requests are
 * validated against these names, and jobs, usage and prices always carry the canonical id.
 * Built once per configuration: lookups are on every request's path.
 */
export function modelIndex(config: GatewayConfig): ReadonlyMap<string, ModelConfig> {
  let index = indexes.get(config);
  if (!index) {
    index = new Map(config.models.flatMap((m) => [m.id, ...m.aliases].map((name) => [name, m] as const)));
    indexes.set(config, index);
  }
  return index;
}

/** The canonical id for a name clients may use; the name itself when it is not configured. */
export function canonicalModel(config: GatewayConfig, name: string): string {
  return modelIndex(config).get(name)?.id ?? name;
}
