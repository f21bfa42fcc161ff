import type { GatewayConfig, ModelConfig } from "@gateway/contracts";

/**
 * Every name a client may use for a model (its id and its aliases) to the model: requests are
 * validated against these names, and jobs, usage and prices always carry the canonical id.
 */
export function modelIndex(config: GatewayConfig): ReadonlyMap<string, ModelConfig> {
  return new Map(config.models.flatMap((m) => [m.id, ...m.aliases].map((name) => [name, m] as const)));
}

/** The canonical id for a name clients may use; the name itself when it is not configured. */
export function canonicalModel(config: GatewayConfig, name: string): string {
  return config.models.find((m) => m.id === name || m.aliases.includes(name))?.id ?? name;
}
