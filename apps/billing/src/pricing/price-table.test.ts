import { GatewayConfig } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { createPriceTable } from "./price-table.ts";

const config = (prompt: string, completion: string) =>
  GatewayConfig.parse({
    models: [{ id: "m", backends: ["http://127.0.0.1:1"], max_output_tokens: 16, price: { prompt_per_1k: prompt, completion_per_1k: completion } }],
  });

describe("createPriceTable", () => {
  it("when prices have 12 fraction digits and token counts are huge, then costs keep every digit", () => {
    const costs = createPriceTable(config("0.999999999999", "0.000000000001")).costOf("m", 2_147_483_647, 1);
    // 22 significant digits: beyond the 20 that Prisma's Decimal keeps by default.
    expect(costs?.promptCost.toFixed()).toBe("2147483.646997852516353");
    expect(costs?.completionCost.toFixed()).toBe("0.000000000000001");
    expect(costs?.cost.toFixed()).toBe("2147483.646997852516354");
  });

  it("when binary floats would drift (0.1 + 0.2), then the decimal sum is exact", () => {
    const costs = createPriceTable(config("0.1", "0.2")).costOf("m", 1000, 1000);
    expect(costs?.cost.toFixed()).toBe("0.3");
  });

  it("when the model is not in the table, then there is no price", () => {
    expect(createPriceTable(config("1", "1")).costOf("other", 1, 1)).toBeUndefined();
  });
});
