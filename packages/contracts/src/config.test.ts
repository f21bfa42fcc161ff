import { describe, expect, it } from "vitest";
import { GatewayConfig } from "./config.ts";

describe("GatewayConfig", () => {
  it("when prices are numbers, then they become exact decimal strings", () => {
    const config = GatewayConfig.parse({
      models: [{ id: "m", backends: ["http://a:1/"], price: { prompt_per_1k: 0.0001, completion_per_1k: "0.002" } }],
    });
    expect(config.models[0]?.price).toEqual({ prompt_per_1k: "0.0001", completion_per_1k: "0.002" });
    expect(config.models[0]?.backends).toEqual(["http://a:1"]);
  });

  it("when model ids repeat, then the config is rejected", () => {
    const m = { id: "m", backends: ["http://a:1"] };
    expect(GatewayConfig.safeParse({ models: [m, m] }).success).toBe(false);
  });

  it.each([["ftp://a"], ["not a url"]])("when a backend is %s, then the config is rejected", (url) => {
    expect(GatewayConfig.safeParse({ models: [{ id: "m", backends: [url] }] }).success).toBe(false);
  });

  it("when a price is negative, then the config is rejected", () => {
    expect(
      GatewayConfig.safeParse({ models: [{ id: "m", backends: ["http://a"], price: { prompt_per_1k: "-1", completion_per_1k: "0" } }] })
        .success,
    ).toBe(false);
  });
});
