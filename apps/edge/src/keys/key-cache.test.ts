import { describe, expect, it } from "vitest";
import { KeyCache } from "./key-cache.ts";
import type { SecretMatch } from "./key-repository.ts";

function harness(ttlMs = 1_000, maxEntries?: number) {
  let now = 0;
  const loads: string[] = [];
  let answer: SecretMatch | undefined = { key: { id: "key_1" } as SecretMatch["key"], secretExpiresAt: null };
  let gate: Promise<void> = Promise.resolve();
  const cache = new KeyCache(
    async (hash) => {
      loads.push(hash);
      await gate;
      return answer;
    },
    { ttlMs, now: () => now, ...(maxEntries !== undefined && { maxEntries }) },
  );
  return {
    cache,
    loads,
    tick: (ms: number) => (now += ms),
    set: (value: SecretMatch | undefined) => (answer = value),
    hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => open();
    },
  };
}

describe("KeyCache", () => {
  it("when a key is looked up again within half the TTL, then it comes from memory", async () => {
    const h = harness();
    await h.cache.get("a");
    h.tick(499);
    await h.cache.get("a");
    expect(h.loads).toEqual(["a"]);
  });

  it("when an entry is older than half the TTL, then it is served and refreshed in the background", async () => {
    const h = harness();
    await h.cache.get("a");
    h.tick(600);
    h.set(undefined);
    expect(await h.cache.get("a")).not.toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(h.loads).toEqual(["a", "a"]);
    expect(await h.cache.get("a")).toBeNull();
  });

  it("when an entry is as old as the TTL, then it is never served: the lookup waits for the store", async () => {
    const h = harness();
    await h.cache.get("a");
    h.tick(1_000);
    h.set(undefined);
    expect(await h.cache.get("a")).toBeNull();
  });

  it("when many requests miss the same hash at once, then the store is asked once", async () => {
    const h = harness();
    const open = h.hold();
    const all = Promise.all(Array.from({ length: 20 }, () => h.cache.get("a")));
    open();
    await all;
    expect(h.loads).toEqual(["a"]);
  });

  it("when an unknown hash is asked again, then the miss is cached too", async () => {
    const h = harness();
    h.set(undefined);
    await h.cache.get("nope");
    await h.cache.get("nope");
    expect(h.loads).toEqual(["nope"]);
  });

  it("when the cache is full, then the stalest entry goes", async () => {
    const h = harness(1_000, 2);
    await h.cache.get("a");
    await h.cache.get("b");
    await h.cache.get("c");
    await h.cache.get("a");
    expect(h.loads).toEqual(["a", "b", "c", "a"]);
  });
});

describe("KeyCache while the key store is unreachable", () => {
  function outage(staleMs: number) {
    let now = 0;
    let down = false;
    const lookups: string[] = [];
    const known: Record<string, SecretMatch | undefined> = { a: { key: { id: "key_a" } as SecretMatch["key"], secretExpiresAt: null } };
    const cache = new KeyCache(
      async (hash) => {
        if (down) throw new Error("connection refused");
        return known[hash];
      },
      { ttlMs: 1_000, staleMs, now: () => now, onLookup: (r) => lookups.push(r) },
    );
    const revoke = (hash: string) => (known[hash] = { key: { ...known[hash]!.key, revokedAt: new Date(1) }, secretExpiresAt: null });
    return { cache, lookups, revoke, tick: (ms: number) => (now += ms), down: (d: boolean) => (down = d) };
  }

  it("when a known key's entry is past its TTL but within the stale bound, then it is still served, counted as stale", async () => {
    const h = outage(60_000);
    await h.cache.get("a");
    h.down(true);
    h.tick(30_000);
    expect((await h.cache.get("a"))?.key.id).toBe("key_a");
    // Now known to be down: the next lookup does not wait on the store again.
    expect((await h.cache.get("a"))?.key.id).toBe("key_a");
    expect(h.lookups.filter((r) => r === "stale")).toHaveLength(2);
  });

  it("when the entry is older than the stale bound, or was a key the store did not know, then the lookup fails (a 503, never a 401)", async () => {
    const h = outage(60_000);
    await h.cache.get("a");
    expect(await h.cache.get("unknown")).toBeNull();
    h.down(true);
    h.tick(61_000);
    await expect(h.cache.get("a")).rejects.toThrow("connection refused");
    await expect(h.cache.get("unknown")).rejects.toThrow("connection refused");
  });

  it("when a key changed before the outage (the watcher reloads it), then its new state is what is served stale", async () => {
    const h = outage(60_000);
    await h.cache.get("a");
    h.revoke("a");
    await h.cache.reload((match) => match.key.id === "key_a");
    h.down(true);
    h.tick(2_000);
    expect((await h.cache.get("a"))?.key.revokedAt).toEqual(new Date(1));
  });

  it("when a changed key cannot be reloaded, then its entry is dropped: it is not served stale", async () => {
    const h = outage(60_000);
    await h.cache.get("a");
    h.down(true);
    await h.cache.reload((match) => match.key.id === "key_a");
    h.tick(2_000);
    await expect(h.cache.get("a")).rejects.toThrow("connection refused");
  });
});
