import { describe, expect, it } from "vitest";
import type { WebhookSigningKey } from "../generated/prisma/client.ts";
import { SigningKeyCache } from "./signing-key-cache.ts";

const row = (version: number): WebhookSigningKey => ({
  tenantId: "acme",
  version,
  previousVersion: null,
  previousExpiresAt: null,
  createdAt: new Date(0),
  rotatedAt: null,
});

function harness() {
  let now = 0;
  const loads: string[] = [];
  let answer: () => Promise<WebhookSigningKey | null> = async () => row(1);
  const stale: unknown[] = [];
  const cache = new SigningKeyCache(
    (tenant) => {
      loads.push(tenant);
      return answer();
    },
    { ttlMs: 1_000, now: () => now, onStale: () => stale.push(now) },
  );
  return { cache, loads, stale, tick: (ms: number) => (now += ms), answer: (fn: typeof answer) => (answer = fn) };
}

describe("SigningKeyCache", () => {
  it("when a tenant's key is asked for many times within the TTL, then Postgres is asked once", async () => {
    const h = harness();
    await Promise.all(Array.from({ length: 20 }, () => h.cache.get("acme")));
    h.tick(400);
    expect((await h.cache.get("acme"))?.version).toBe(1);
    expect(h.loads).toEqual(["acme"]);
  });

  it("when a tenant has no key, then that is cached too", async () => {
    const h = harness();
    h.answer(async () => null);
    expect(await h.cache.get("nobody")).toBeNull();
    expect(await h.cache.get("nobody")).toBeNull();
    expect(h.loads).toEqual(["nobody"]);
  });

  it("when the TTL has passed and Postgres fails, then the last known key is used, however old", async () => {
    const h = harness();
    await h.cache.get("acme");
    h.answer(async () => Promise.reject(new Error("connection refused")));
    h.tick(60_000);
    expect((await h.cache.get("acme"))?.version).toBe(1);
    expect(h.stale).toHaveLength(1);
  });

  it("when Postgres fails and nothing is known about the tenant, then the lookup fails", async () => {
    const h = harness();
    h.answer(async () => Promise.reject(new Error("connection refused")));
    await expect(h.cache.get("acme")).rejects.toThrow("connection refused");
  });

  it("when this replica changed a key and cleared the cache, then the next lookup asks Postgres", async () => {
    const h = harness();
    await h.cache.get("acme");
    h.answer(async () => row(2));
    h.cache.clear();
    expect((await h.cache.get("acme"))?.version).toBe(2);
  });
});
