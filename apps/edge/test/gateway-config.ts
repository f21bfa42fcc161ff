import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TIERS, type TierConfig } from "@gateway/contracts";
import { MODEL } from "./start-test-edge.ts";

/** A gateway config file with the test model (optionally on real backends) and extra tiers. */
export function gatewayConfigFile(
  tiers: Record<string, TierConfig>,
  backends = ["http://127.0.0.1:1"],
  extra: Record<string, unknown> = {},
): string {
  const file = join(mkdtempSync(join(tmpdir(), "edge-")), "gateway.json");
  writeFileSync(
    file,
    JSON.stringify({
      models: [
        {
          id: MODEL,
          aliases: ["test-alias"],
          backends,
          max_output_tokens: 1024,
          price: { prompt_per_1k: "0.001", completion_per_1k: "0.002" },
        },
        { id: "other-model", backends, max_output_tokens: 1024 },
      ],
      tiers: { ...DEFAULT_TIERS, ...tiers },
      ...extra,
    }),
  );
  return file;
}

export const tier = (fields: Partial<TierConfig>): TierConfig => ({
  requests_per_minute: 1_000,
  tokens_per_day: 10_000_000,
  max_tokens: 1_024,
  max_concurrent: 100,
  priority: 5,
  ...fields,
});
