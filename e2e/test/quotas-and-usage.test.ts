import { ErrorEnvelope, UsageReport } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, MODEL, startSystem, type System } from "./start-system.ts";

let system: System;
const redis = new Redis(TEST_REDIS_URL);

beforeAll(async () => {
  system = await startSystem({
    edges: 2,
    backends: 2,
    // 20 ms a token: a 16-token answer takes ~300 ms, long enough to cancel or kill mid-way.
    sim: { slots: 8, interTokenMs: 20, naturalTokens: 16 },
    workerEnv: { LOCK_DURATION_MS: "1000" },
    edgeEnv: {
      LIMIT_LEASE_MS: "2000",
      SETTLE_GRACE_MS: "2000",
      RECONCILE_INTERVAL_MS: "1000",
      REQUEST_TIMEOUT_MS: "8000",
      STREAM_RESUME_GRACE_MS: "0",
    },
    gateway: {
      tiers: {
        metered: { requests_per_minute: 10_000, tokens_per_day: 1_000_000, max_tokens: 256, max_concurrent: 64, priority: 10 },
        one: { requests_per_minute: 10_000, tokens_per_day: 1_000_000, max_tokens: 256, max_concurrent: 1, priority: 10 },
      },
    },
  });
});
afterAll(async () => {
  await system?.stop();
  await redis.quit();
});

const messages = [{ role: "user" as const, content: "Tell me about a girl and a red ball." }];
const today = () => new Date().toISOString().slice(0, 10);
/** Postgres numeric text ("0.000064500000000") as the gateway writes decimals ("0.0000645"). */
const exact = (numeric: string) => (numeric.includes(".") ? numeric.replace(/0+$/, "").replace(/\.$/, "") : numeric);

const limitKey = (keyId: string, part: string) => `${system.prefix}:limits:{${keyId}}:${part}`;

/** What the edges hold for a key right now, and what billing recorded for it today. */
async function ledger(keyId: string) {
  const [leases, reserved, used, billed] = await Promise.all([
    redis.zcard(limitKey(keyId, "leases")),
    redis.hlen(limitKey(keyId, "reserved")),
    redis.get(limitKey(keyId, `used:${today()}`)),
    system.db.query("SELECT count(*)::int AS rows, coalesce(sum(total_tokens), 0)::int AS tokens FROM usage_records WHERE key_id = $1", [
      keyId,
    ]),
  ]);
  return { leases, reserved, used: Number(used ?? 0), billedRows: billed.rows[0].rows as number, billed: billed.rows[0].tokens as number };
}

/** Waits until nothing is in flight for the key and billing has stopped moving, then returns the ledger. */
async function settled(keyId: string) {
  let previous = -1;
  await expect
    .poll(
      async () => {
        const l = await ledger(keyId);
        const stable = l.billedRows === previous && l.leases === 0 && l.reserved === 0;
        previous = l.billedRows;
        return stable;
      },
      { timeout: 20_000, interval: 500 },
    )
    .toBe(true);
  return ledger(keyId);
}

const clientFor = (secret: string, edge = 0) => new OpenAI({ apiKey: secret, baseURL: `${system.edgeUrls[edge]}/v1`, maxRetries: 0 });

/** Starts a stream, waits for its first content, then goes away. */
async function cancelAfterFirstToken(secret: string, edge: number): Promise<void> {
  const controller = new AbortController();
  const res = await fetch(`${system.edgeUrls[edge]}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: 64, stream: true }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  while (!new TextDecoder().decode((await reader.read()).value).includes('"content"'));
  controller.abort();
}

describe("when a key is used through successes, failures and cancellations", () => {
  it("then the edges' settled tokens add up to exactly what billing recorded, with nothing left reserved or in flight", async () => {
    const key = await system.createKey({ tier: "metered" });
    const clients = [clientFor(key.secret, 0), clientFor(key.secret, 1)];
    const outcomes = { succeeded: 0, failed: 0, cancelled: 0 };

    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const c = clients[i % 2]!;
        if (i % 2) {
          const stream = await c.chat.completions.create({
            model: MODEL,
            messages,
            max_tokens: 8 + i,
            stream: true,
            stream_options: { include_usage: true },
          });
          for await (const _chunk of stream);
        } else {
          await c.chat.completions.create({ model: MODEL, messages, max_tokens: 8 + i });
        }
        outcomes.succeeded++;
      }),
    );
    // Cut after a few tokens: the client gets an error event; the produced tokens are billed.
    for (let i = 0; i < 2; i++) {
      for (const sim of system.sims) sim.faults.cutStreamAfter(3, "error-line");
      const stream = await clients[i]!.chat.completions.create({ model: MODEL, messages, max_tokens: 32, stream: true });
      await expect(
        (async () => {
          for await (const _chunk of stream);
        })(),
      ).rejects.toBeInstanceOf(OpenAI.APIError);
      for (const sim of system.sims) sim.faults.reset();
      outcomes.failed++;
    }
    // Fails before any token on every backend: nothing produced, nothing billed.
    for (const sim of system.sims) sim.faults.failNext(10, 500);
    await expect(clients[0]!.chat.completions.create({ model: MODEL, messages, max_tokens: 8 })).rejects.toBeInstanceOf(OpenAI.APIError);
    for (const sim of system.sims) sim.faults.reset();
    // The client goes away mid-stream: the worker stops, the produced tokens are billed.
    await Promise.all([0, 1, 0].map((edge) => cancelAfterFirstToken(key.secret, edge)));
    outcomes.cancelled += 3;

    const l = await settled(key.id);
    expect(l.billedRows).toBe(outcomes.succeeded + outcomes.failed + outcomes.cancelled);
    expect(l.billed).toBeGreaterThan(0);
    expect(l.used).toBe(l.billed);
    const byOutcome = await system.db.query(
      "SELECT outcome, count(*)::int AS n FROM usage_records WHERE key_id = $1 GROUP BY 1 ORDER BY 1",
      [key.id],
    );
    expect(byOutcome.rows).toEqual([
      { outcome: "cancelled", n: 3 },
      { outcome: "failed", n: 2 },
      { outcome: "succeeded", n: 8 },
    ]);
  });

  it("when the worker is killed mid-job, then no slot or reservation is left behind, counters match billing, and the key works again", async () => {
    const key = await system.createKey({ tier: "one" });
    const stream = await clientFor(key.secret).chat.completions.create({ model: MODEL, messages, max_tokens: 200, stream: true });
    const consumed = (async () => {
      for await (const _chunk of stream) {
        if (system.services.worker.child.exitCode === null) await system.services.worker.stop("SIGKILL");
      }
    })().catch(() => "failed");
    await system.startWorker();
    await consumed;

    const l = await settled(key.id);
    expect(l).toMatchObject({ leases: 0, reserved: 0 });
    expect(l.used).toBe(l.billed);
    const again = await clientFor(key.secret).chat.completions.create({ model: MODEL, messages, max_tokens: 4 });
    expect(again.choices[0]?.message.content).toBeTruthy();
  });
});

describe("cost and usage", () => {
  it("when completions are answered, then x-usage-cost and usage.cost are the billed cost to the digit, for JSON and for streams read by the SDK", async () => {
    const key = await system.createKey({ tier: "metered", tenant_id: "tenant-cost" });
    const { data, response } = await clientFor(key.secret)
      .chat.completions.create({ model: MODEL, messages, max_tokens: 12 })
      .withResponse();
    const header = response.headers.get("x-usage-cost");
    expect((data.usage as unknown as { cost: string }).cost).toBe(header);

    const stream = await clientFor(key.secret, 1).chat.completions.create({
      model: MODEL,
      messages,
      max_tokens: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamCost: string | undefined;
    for await (const chunk of stream) if (chunk.usage) streamCost = (chunk.usage as unknown as { cost: string }).cost;

    await settled(key.id);
    const rows = await system.db.query(
      "SELECT completion_tokens, cost::text FROM usage_records WHERE key_id = $1 ORDER BY completion_tokens DESC",
      [key.id],
    );
    expect(rows.rows.map((r: { cost: string }) => exact(r.cost))).toEqual([header, streamCost]);
  });

  it("when a tenant reads /v1/usage, then it gets its totals per day and model, exactly as billed; an admin may read any tenant", async () => {
    const key = await system.createKey({ tier: "metered", tenant_id: "tenant-usage" });
    await Promise.all(
      [5, 6, 7].map((n) => clientFor(key.secret, n % 2).chat.completions.create({ model: MODEL, messages, max_tokens: n })),
    );
    await settled(key.id);
    const billed = await system.db.query(
      "SELECT count(*)::int AS requests, sum(prompt_tokens)::int AS prompt, sum(completion_tokens)::int AS completion, sum(cost)::text AS cost FROM usage_records WHERE tenant_id = 'tenant-usage'",
    );
    const expected = {
      requests: 3,
      prompt_tokens: billed.rows[0].prompt,
      completion_tokens: billed.rows[0].completion,
      total_tokens: billed.rows[0].prompt + billed.rows[0].completion,
      cost: exact(billed.rows[0].cost),
    };

    const mine = await fetch(`${system.edgeUrl}/v1/usage`, { headers: { authorization: `Bearer ${key.secret}` } });
    expect(mine.status).toBe(200);
    const report = UsageReport.parse(await mine.json());
    expect(report).toMatchObject({
      tenant_id: "tenant-usage",
      to: today(),
      totals: expected,
      by_day: [{ date: today(), ...expected }],
      by_model: [{ model: MODEL, ...expected }],
    });

    const asAdmin = await fetch(`${system.edgeUrls[1]}/v1/usage?tenant_id=tenant-usage&from=${today()}&to=${today()}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(UsageReport.parse(await asAdmin.json()).totals).toEqual(expected);
    const adminWithoutTenant = await fetch(`${system.edgeUrl}/v1/usage`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(ErrorEnvelope.parse(await adminWithoutTenant.json()).error.param).toBe("tenant_id");
    const someoneElse = await fetch(`${system.edgeUrl}/v1/usage?tenant_id=tenant-usage`, {
      headers: { authorization: `Bearer ${system.apiKey}` },
    });
    expect(someoneElse.status).toBe(404);
  });

  it("when an edge's counter lost usage that billing has, then reconciliation raises it to the billed total", async () => {
    const key = await system.createKey({ tier: "metered" });
    await clientFor(key.secret).chat.completions.create({ model: MODEL, messages, max_tokens: 9 });
    const before = await settled(key.id);
    expect(before.used).toBe(before.billed);
    // As if the settlements had been lost with a crashed replica.
    await redis.del(limitKey(key.id, `used:${today()}`));
    await expect.poll(async () => (await ledger(key.id)).used, { timeout: 5_000 }).toBe(before.billed);
  });
});

describe("when an edge process dies with a request in flight", () => {
  it("then its concurrency slot is free again on the other edge once the lease runs out", async () => {
    const key = await system.createKey({ tier: "one" });
    const controller = new AbortController();
    const res = await fetch(`${system.edgeUrls[1]}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages, max_tokens: 200, stream: true }),
      signal: controller.signal,
    });
    await res.body!.getReader().read();
    await system.edges[1]!.stop("SIGKILL");
    controller.abort();

    const died = Date.now();
    const refused = await fetch(`${system.edgeUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages, max_tokens: 4 }),
    });
    expect(refused.status).toBe(429);
    const client = clientFor(key.secret, 0);
    await expect
      .poll(
        () =>
          client.chat.completions.create({ model: MODEL, messages, max_tokens: 4 }).then(
            () => "ok",
            () => "refused",
          ),
        { timeout: 6_000, interval: 200 },
      )
      .toBe("ok");
    // The lease is 2 s, renewed every ~0.7 s: free within about one lease of the death.
    expect(Date.now() - died).toBeLessThan(4_000);
  });
});
