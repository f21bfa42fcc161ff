import { readFileSync } from "node:fs";
import { GatewayConfig } from "@gateway/contracts";
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ConfigSource {
  /** Path of a JSON file holding a GatewayConfig. */
  GATEWAY_CONFIG_FILE?: string | undefined;
  /** Shorthand for one model: comma-separated llama-server URLs... */
  LLAMA_SERVER_URLS?: string | undefined;
  /** ...served under this model id. */
  GATEWAY_MODEL?: string | undefined;
}

/**
 * The models and pools, from a JSON file or (for the one-model case) from two env variables.
 * Any problem is a ConfigError naming each bad field, thrown at start.
 */
export function loadGatewayConfig(source: ConfigSource): GatewayConfig {
  let raw: unknown;
  if (source.GATEWAY_CONFIG_FILE) {
    try {
      raw = JSON.parse(readFileSync(source.GATEWAY_CONFIG_FILE, "utf8"));
    } catch (err) {
      throw new ConfigError(`cannot read GATEWAY_CONFIG_FILE ${source.GATEWAY_CONFIG_FILE}: ${(err as Error).message}`);
    }
  } else if (source.LLAMA_SERVER_URLS) {
    raw = {
      models: [
        {
          id: source.GATEWAY_MODEL ?? "default",
          backends: source.LLAMA_SERVER_URLS.split(",")
            .map((u) => u.trim())
            .filter(Boolean),
        },
      ],
    };
  } else {
    throw new ConfigError("no models configured: set GATEWAY_CONFIG_FILE, or LLAMA_SERVER_URLS (and GATEWAY_MODEL)");
  }
  const parsed = GatewayConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid gateway configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
