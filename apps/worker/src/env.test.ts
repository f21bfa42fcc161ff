import { describe, expect, it } from "vitest";
import { parseWorkerEnv } from "./env.ts";

describe("parseWorkerEnv", () => {
  it("when only backends are given, then defaults fill the rest", () => {
    const env = parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1, http://b:2/", GATEWAY_MODEL: "stories" });
    expect(env).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379",
      QUEUE_PREFIX: "gw",
      PORT: 8083,
      LOCK_DURATION_MS: 30_000,
    });
    // Left out when unset (not a key holding undefined): concurrency then follows the backends' slots.
    expect(env.WORKER_CONCURRENCY).toBeUndefined();
    expect(env.config.models[0]).toMatchObject({ id: "stories", backends: ["http://a:1", "http://b:2"] });
    expect(env.WORKER_ID).toMatch(/-\d+-[0-9a-f]{6}$/);
  });

  it("when breaker, lease and batch settings are given, then they are used; defaults otherwise", () => {
    const defaults = parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1" });
    expect(defaults).toMatchObject({
      BACKEND_LEASE_TTL_MS: 15_000,
      EMBEDDINGS_BATCH_SIZE: 32,
      BREAKER_RESET_MS: 5_000,
      BREAKER_CONSECUTIVE_FAILURES: 3,
      BREAKER_ERROR_PERCENTAGE: 50,
    });
    const env = parseWorkerEnv({
      LLAMA_SERVER_URLS: "http://a:1",
      BREAKER_RESET_MS: "250",
      BACKEND_LEASE_TTL_MS: "900",
      EMBEDDINGS_BATCH_SIZE: "4",
    });
    expect(env).toMatchObject({ BACKEND_LEASE_TTL_MS: 900, EMBEDDINGS_BATCH_SIZE: 4, BREAKER_RESET_MS: 250 });
    expect(() => parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", BREAKER_ERROR_PERCENTAGE: "150" })).toThrow(/BREAKER_ERROR_PERCENTAGE/);
  });

  it("when a number is malformed, then it fails at start naming the variable", () => {
    expect(() => parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", WORKER_CONCURRENCY: "lots" })).toThrow(/WORKER_CONCURRENCY/);
  });

  it("when LOG_CONTENT is unset or 'false', then content stays out of logs; 'true' lets it in", () => {
    expect(parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1" }).LOG_CONTENT).toBe(false);
    expect(parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", LOG_CONTENT: "false" }).LOG_CONTENT).toBe(false);
    expect(parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", LOG_CONTENT: "true" }).LOG_CONTENT).toBe(true);
    expect(() => parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", LOG_CONTENT: "maybe" })).toThrow(/LOG_CONTENT/);
  });

  it("when EGRESS_ALLOW_CIDRS lists ranges, then remote images may come from them; a malformed range fails at start naming the variable", () => {
    expect(parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1" }).EGRESS_ALLOW_CIDRS.allowed).toEqual([]);
    expect(
      parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", EGRESS_ALLOW_CIDRS: "10.0.0.0/8, fd00::/8" }).EGRESS_ALLOW_CIDRS.allowed,
    ).toHaveLength(2);
    expect(() => parseWorkerEnv({ LLAMA_SERVER_URLS: "http://a:1", EGRESS_ALLOW_CIDRS: "10.0.0.0/99" })).toThrow(/EGRESS_ALLOW_CIDRS/);
  });

  it("when no model is configured, then it fails at start", () => {
    expect(() => parseWorkerEnv({})).toThrow(/no models configured/);
  });

  it("when webhook settings are given, then the master key and the allowed ranges are read; a short key, a bad range or the old WEBHOOK_SECRET stop the start", () => {
    const base = { LLAMA_SERVER_URLS: "http://a:1" };
    const defaults = parseWorkerEnv(base);
    expect(defaults.WEBHOOK_MASTER_KEY).toBeUndefined();
    expect(defaults.EGRESS_ALLOW_CIDRS.allowed).toEqual([]);
    const env = parseWorkerEnv({ ...base, WEBHOOK_MASTER_KEY: "m".repeat(32), EGRESS_ALLOW_CIDRS: "10.0.0.0/8" });
    expect(env.WEBHOOK_MASTER_KEY).toBe("m".repeat(32));
    expect(env.EGRESS_ALLOW_CIDRS.allowed).toHaveLength(1);
    expect(() => parseWorkerEnv({ ...base, WEBHOOK_MASTER_KEY: "short" })).toThrow(/WEBHOOK_MASTER_KEY/);
    expect(() => parseWorkerEnv({ ...base, EGRESS_ALLOW_CIDRS: "10.0.0.0/8,nope" })).toThrow(/'nope'[\s\S]*at EGRESS_ALLOW_CIDRS/);
    expect(() => parseWorkerEnv({ ...base, WEBHOOK_SECRET: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=" })).toThrow(
      /WEBHOOK_MASTER_KEY[\s\S]*at WEBHOOK_SECRET/,
    );
  });
});
