import { describe, expect, it } from "vitest";
import { parseBillingEnv } from "./env.ts";

const minimal = {
  BILLING_DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/billing",
  BILLING_INTERNAL_TOKEN: "0123456789abcdef",
};

describe("parseBillingEnv", () => {
  it("when only the required variables are set, then the rest take their defaults", () => {
    expect(parseBillingEnv(minimal)).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379",
      QUEUE_PREFIX: "gw",
      HOST: "127.0.0.1",
      PORT: 8082,
      LOG_LEVEL: "info",
      USAGE_BATCH_SIZE: 500,
      USAGE_BATCH_WINDOW_MS: 100,
      USAGE_CLAIM_IDLE_MS: 30_000,
      DELIVERY_CLAIM_IDLE_MS: 60_000,
    });
    expect(parseBillingEnv(minimal).BILLING_ID).not.toBe(parseBillingEnv(minimal).BILLING_ID);
  });

  it("when the internal token is short or the database URL missing, then one error names both", () => {
    expect(() => parseBillingEnv({ BILLING_INTERNAL_TOKEN: "short" })).toThrow(
      /BILLING_DATABASE_URL[\s\S]*BILLING_INTERNAL_TOKEN|BILLING_INTERNAL_TOKEN[\s\S]*BILLING_DATABASE_URL/,
    );
  });

  it("when numbers come as strings, then they are parsed and bounded", () => {
    expect(parseBillingEnv({ ...minimal, PORT: "9000", USAGE_BATCH_SIZE: "2" })).toMatchObject({ PORT: 9000, USAGE_BATCH_SIZE: 2 });
    expect(() => parseBillingEnv({ ...minimal, USAGE_BATCH_SIZE: "0" })).toThrow(/USAGE_BATCH_SIZE/);
  });
});
