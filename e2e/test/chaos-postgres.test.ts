import { prismaMigrate } from "@gateway/test-kit/postgres";
import { startPostgresCluster, type PostgresCluster } from "@gateway/test-kit/services";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPS } from "./paths.ts";
import { ADMIN_KEY, startSystem, type System } from "./start-system.ts";
import { untilReconciled } from "./support/reconcile.ts";
import { steadyLoad, tally } from "./support/steady-load.ts";

/**
 * Postgres stopped for 30 s under steady load (16 clients, 30 % streams, three backends), on a
 * cluster of this test's own: inference goes on for every key seen before the outage, the
 * database's own resources say so clearly, and billing loses nothing and doubles nothing.
 */
const OUTAGE_MS = 30_000;
let cluster: PostgresCluster;
let system: System;
beforeAll(async () => {
  cluster = await startPostgresCluster();
  const [billing, edge] = await Promise.all([cluster.createDatabase("billing"), cluster.createDatabase("edge")]);
  await Promise.all([prismaMigrate(APPS.billing, "BILLING_DATABASE_URL")(billing), prismaMigrate(APPS.edge, "EDGE_DATABASE_URL")(edge)]);
  system = await startSystem({
    databases: { billing, edge },
    backends: 3,
    sim: { interTokenMs: 1 },
    edgeEnv: { KEY_CACHE_TTL_MS: "2000" },
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await cluster?.destroy();
});

const get = (path: string, key = system.apiKey) => fetch(`${system.edgeUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe("when Postgres is stopped for 30 s under load", () => {
  it("then every request of a known key is answered, the database's resources answer 503, and every answer is billed once afterwards", async () => {
    const revoked = await system.createKey({ tier: "e2e-unlimited", name: "revoked before the outage" });
    expect((await get("/v1/models", revoked.secret)).status).toBe(200);
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };
    expect((await fetch(`${system.edgeUrl}/v1/admin/keys/${revoked.id}/revoke`, { method: "POST", headers: admin })).status).toBe(200);
    // Every replica's cache learns of the revocation within the key-change poll, before the outage.
    await new Promise((r) => setTimeout(r, 1_500));

    const load = steadyLoad(system.edgeUrl, system.apiKey);
    await new Promise((r) => setTimeout(r, 3_000));
    await cluster.stopServer();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const during = {
      ready: (await (await fetch(`${system.edgeUrl}/readyz`)).json()) as { status: string },
      conversations: await get("/v1/conversations"),
      unknownKey: await get("/v1/models", "sk-never-seen-0123456789abcdef"),
      revoked: await get("/v1/models", revoked.secret),
    };
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - stoppedAt)));
    await cluster.startServer();
    await new Promise((r) => setTimeout(r, 5_000));
    const figures = tally(await load.stop());
    console.info("postgres stopped 30 s:", JSON.stringify(figures));

    expect(during.ready.status).toBe("degraded");
    expect(during.conversations.status).toBe(503);
    expect(((await during.conversations.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
    expect(during.unknownKey.status).toBe(503);
    expect(during.unknownKey.headers.get("retry-after")).toBeTruthy();
    expect(during.revoked.status).toBe(401);
    expect(figures.hung).toBe(0);
    expect(figures.told).toBe(0);
    expect(figures.answered).toBe(figures.requests);
    expect(figures.requests).toBeGreaterThan(100);

    // Billing catches up within seconds of the outage's end: every answer once, nothing else.
    const db = new pg.Client({ connectionString: cluster.url("billing") });
    await db.connect();
    try {
      const ids = load.outcomes.map((o) => o.requestId!);
      const billed = async () =>
        (await db.query("SELECT request_id, count(*)::int AS n FROM usage_records WHERE request_id = ANY($1) GROUP BY request_id", [ids]))
          .rows as {
          request_id: string;
          n: number;
        }[];
      await expect.poll(async () => (await billed()).length, { timeout: 60_000, interval: 1_000 }).toBe(ids.length);
      expect((await billed()).every((r) => r.n === 1)).toBe(true);
      const { rows } = await db.query("SELECT count(*)::int AS n FROM usage_records WHERE key_id = $1", [system.keyId]);
      expect(rows[0].n).toBe(ids.length);
    } finally {
      await db.end();
    }
    // And the operator's check agrees: nothing answered and not billed, billed twice, or billed and not delivered.
    const report = await untilReconciled(system, { timeoutMs: 60_000 });
    console.info("reconciliation after the Postgres outage:", JSON.stringify({ discrepancies: report.discrepancies }));
  });
});
