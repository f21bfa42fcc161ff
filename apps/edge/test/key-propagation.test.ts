import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, whoAmI } from "./admin-api.ts";
import { startTestEdge, type TestEdge } from "./start-test-edge.ts";

const TTL_MS = 1_000;
let a: TestEdge;
let b: TestEdge;
let admin: ReturnType<typeof adminApi>;
beforeAll(async () => {
  a = await startTestEdge({ KEY_CACHE_TTL_MS: String(TTL_MS) });
  b = await startTestEdge({ KEY_CACHE_TTL_MS: String(TTL_MS), QUEUE_PREFIX: a.prefix, EDGE_DATABASE_URL: a.databaseUrl });
  admin = adminApi(a.url);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

/** Polls both replicas until `secret` answers `status` on each; returns how long that took. */
async function everywhere(secret: string, status: number): Promise<number> {
  const started = Date.now();
  for (const edge of [a, b]) {
    while ((await whoAmI(edge.url, secret)).status !== status) {
      if (Date.now() - started > 5 * TTL_MS) throw new Error(`${edge.url} still does not answer ${status}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return Date.now() - started;
}

describe("when a key changes on one replica, then every replica follows within the cache TTL", () => {
  it("when a key that both replicas have cached is revoked, then both refuse it within the TTL", async () => {
    const key = await admin.create({ tier: "free" });
    // Warm both caches, then keep them warm (a busy key is refreshed in the background).
    expect(await everywhere(key.secret, 200)).toBeLessThan(TTL_MS);
    await admin.revoke(key.id);
    expect(await everywhere(key.secret, 401)).toBeLessThanOrEqual(TTL_MS + 200);
  });

  it("when a key is rotated without grace, then the old secret stops within the TTL and the new one works at once, on both", async () => {
    const key = await admin.create({ tier: "free" });
    await everywhere(key.secret, 200);
    const rotated = await admin.rotate(key.id, 0);
    expect(await everywhere(rotated.secret, 200)).toBeLessThan(TTL_MS);
    expect(await everywhere(key.secret, 401)).toBeLessThanOrEqual(TTL_MS + 200);
  });
});
