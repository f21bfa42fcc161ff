import { describe, expect, it } from "vitest";
import { parseEdgeEnv, parseUsageCliEnv } from "./env.ts";

const minimal = { EDGE_DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gateway_edge", LLAMA_SERVER_URLS: "http://127.0.0.1:8080" };

describe("parseEdgeEnv", () => {
  it("when only the key store and a backend are set, then limits, cache and billing take their defaults", () => {
    expect(parseEdgeEnv(minimal)).toMatchObject({
      KEY_CACHE_TTL_MS: 5_000,
      LIMIT_LEASE_MS: 30_000,
      SETTLE_GRACE_MS: 10_000,
      CONTENT_BLOCKED_PATTERNS: [],
    });
    expect(parseEdgeEnv(minimal).BILLING_URL).toBeUndefined();
  });

  it("when the old GATEWAY_API_KEYS is still set, then start-up fails and says how to move the keys", () => {
    expect(() => parseEdgeEnv({ ...minimal, GATEWAY_API_KEYS: "sk-0123456789abcdef:t:free" })).toThrow(
      /GATEWAY_API_KEYS[\s\S]*keys import|keys import[\s\S]*GATEWAY_API_KEYS/,
    );
  });

  it("when webhook settings are unset or blank, then webhooks are off and no private range is allowed", () => {
    const env = parseEdgeEnv({ ...minimal, WEBHOOK_MASTER_KEY: "", EGRESS_ALLOW_CIDRS: "" });
    expect(env.WEBHOOK_MASTER_KEY).toBeUndefined();
    expect(env.EGRESS_ALLOW_CIDRS.allowed).toEqual([]);
    expect(parseEdgeEnv({ ...minimal, EGRESS_ALLOW_CIDRS: "10.0.0.0/8,fd00::/8" }).EGRESS_ALLOW_CIDRS.allowed).toHaveLength(2);
  });

  it("when optional secrets are blank (as compose passes unset variables), then they are unset", () => {
    expect(
      parseEdgeEnv({ ...minimal, ADMIN_API_KEY: "", JWT_HS256_SECRET: "", BILLING_URL: "", BILLING_INTERNAL_TOKEN: "" }).ADMIN_API_KEY,
    ).toBeUndefined();
  });

  it.each([
    ["a short admin credential", { ADMIN_API_KEY: "short" }, /ADMIN_API_KEY/],
    ["both JWT secret and JWKS", { JWT_HS256_SECRET: "s".repeat(32), JWT_JWKS_URL: "https://idp/jwks.json" }, /JWT_JWKS_URL/],
    ["a billing URL without its token", { BILLING_URL: "http://billing:8082" }, /BILLING_INTERNAL_TOKEN/],
    ["a default JWT tier that is not configured", { JWT_DEFAULT_TIER: "gold" }, /JWT_DEFAULT_TIER/],
    ["no key store", { EDGE_DATABASE_URL: undefined }, /EDGE_DATABASE_URL/],
    ["a short webhook master key", { WEBHOOK_MASTER_KEY: "short" }, /WEBHOOK_MASTER_KEY/],
    ["a malformed allowed range", { EGRESS_ALLOW_CIDRS: "10.0.0.0/8,10.0.0.0/40" }, /'10\.0\.0\.0\/40'[\s\S]*EGRESS_ALLOW_CIDRS/],
    ["an egress range that is not CIDR", { EGRESS_ALLOW_CIDRS: "10.0.0.1" }, /EGRESS_ALLOW_CIDRS/],
  ])("when given %s, then start-up fails naming it", (_name, extra, message) => {
    expect(() => parseEdgeEnv({ ...minimal, ...extra })).toThrow(message);
  });
});

describe("parseUsageCliEnv", () => {
  it("when billing's URL and token are set, then Redis and the namespace default as the services' do", () => {
    expect(parseUsageCliEnv({ BILLING_URL: "http://billing:8082", BILLING_INTERNAL_TOKEN: "0123456789abcdef" })).toEqual({
      BILLING_URL: "http://billing:8082",
      BILLING_INTERNAL_TOKEN: "0123456789abcdef",
      BILLING_TIMEOUT_MS: 60_000,
      REDIS_URL: "redis://127.0.0.1:6379",
      QUEUE_PREFIX: "gw",
    });
  });

  it("when billing's URL or token is missing, then one error names both", () => {
    expect(() => parseUsageCliEnv({})).toThrow(/BILLING_URL[\s\S]*BILLING_INTERNAL_TOKEN/);
  });
});
