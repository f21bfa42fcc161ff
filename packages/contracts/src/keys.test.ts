import { describe, expect, it } from "vitest";
import { AdminKeyListQuery, CreateApiKeyRequest, RotateApiKeyRequest, UpdateApiKeyRequest } from "./keys.ts";
import { KeyTokensQuery, UsageReportQuery } from "./usage-api.ts";

describe("key contracts", () => {
  it("when a key is created with only the required fields, then it is accepted", () => {
    expect(CreateApiKeyRequest.parse({ tenant_id: "acme", name: " ci ", tier: "premium" })).toEqual({
      tenant_id: "acme",
      name: "ci",
      tier: "premium",
    });
  });

  it("when an update changes nothing, then it is refused; null clears models and expiry", () => {
    expect(UpdateApiKeyRequest.safeParse({}).success).toBe(false);
    expect(UpdateApiKeyRequest.safeParse({ name: undefined }).success).toBe(false);
    expect(UpdateApiKeyRequest.parse({ allowed_models: null, expires_at: null })).toEqual({ allowed_models: null, expires_at: null });
  });

  it("when a rotation's grace is beyond 30 days or negative, then it is refused", () => {
    expect(RotateApiKeyRequest.safeParse({ grace_seconds: 30 * 86_400 + 1 }).success).toBe(false);
    expect(RotateApiKeyRequest.safeParse({ grace_seconds: -1 }).success).toBe(false);
  });

  it("when a list limit comes as a query string, then it is a number within 1..100 (default 20)", () => {
    expect(AdminKeyListQuery.parse({ limit: "5" }).limit).toBe(5);
    expect(AdminKeyListQuery.parse({}).limit).toBe(20);
    expect(AdminKeyListQuery.safeParse({ limit: "101" }).success).toBe(false);
  });
});

describe("usage API contracts", () => {
  it("when one key id is given, then it is a list of one; more than 100 are refused", () => {
    expect(KeyTokensQuery.parse({ date: "2025-03-10", key_id: "k" }).key_id).toEqual(["k"]);
    expect(KeyTokensQuery.safeParse({ date: "2025-03-10", key_id: Array.from({ length: 101 }, (_, i) => `k${i}`) }).success).toBe(false);
  });

  it("when the usage range is reversed or longer than 366 days, then it is refused on `to`", () => {
    expect(UsageReportQuery.safeParse({ from: "2025-03-11", to: "2025-03-10" }).error?.issues[0]?.path).toEqual(["to"]);
    expect(UsageReportQuery.safeParse({ from: "2024-01-01", to: "2025-01-01" }).success).toBe(false);
    expect(UsageReportQuery.safeParse({ from: "2024-01-02", to: "2025-01-01" }).success).toBe(true);
  });
});
