import { GatewayConfig } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { addDecimals, fromUnits, pricesOf, toUnits } from "./exact-cost.ts";

const config = (prompt: string, completion: string) =>
  GatewayConfig.parse({
    models: [
      { id: "m", aliases: ["m-alias"], backends: ["http://127.0.0.1:1"], price: { prompt_per_1k: prompt, completion_per_1k: completion } },
    ],
  });

describe("pricesOf", () => {
  it("when prices have 12 fraction digits and token counts are huge, then costs keep every digit", () => {
    expect(pricesOf(config("0.999999999999", "0.000000000001")).costOf("m", 2_147_483_647, 1)).toEqual({
      prompt_cost: "2147483.646997852516353",
      completion_cost: "0.000000000000001",
      cost: "2147483.646997852516354",
    });
  });

  it("when binary floats would drift (0.1 + 0.2), then the sum is exact", () => {
    expect(pricesOf(config("0.1", "0.2")).costOf("m", 1000, 1000)?.cost).toBe("0.3");
  });

  it("when the model is asked for by an alias, then it has the model's price", () => {
    expect(pricesOf(config("1", "0")).costOf("m-alias", 500, 0)?.cost).toBe("0.5");
  });

  it("when the model has no price entry, then there is none", () => {
    expect(pricesOf(config("1", "1")).costOf("other", 1, 1)).toBeUndefined();
  });
});

describe("decimal strings", () => {
  it("when formatting, then trailing zeros go and whole numbers have no point", () => {
    expect(fromUnits(toUnits("0.044500"))).toBe("0.0445");
    expect(fromUnits(toUnits("3"))).toBe("3");
    expect(fromUnits(0n)).toBe("0");
  });

  it("when adding many costs, then the sum is exact", () => {
    expect(addDecimals("0.000000000000001", "152.415677640177804", "0.0445")).toBe("152.460177640177805");
    expect(addDecimals()).toBe("0");
  });

  it("when a value has too many fraction digits or is not a decimal, then it is refused", () => {
    expect(() => toUnits("0.0000000000000001")).toThrow();
    expect(() => toUnits("-1")).toThrow();
  });
});
