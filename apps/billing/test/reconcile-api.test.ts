import { deliveriesKey, ErrorEnvelope, Reconciliation, type UsageEvent } from "@gateway/contracts";
import { createRedis } from "@gateway/queue";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { REDIS_URL, startBilling, TOKEN, usageEvent, type Harness } from "./billing-harness.ts";

const redis = createRedis(REDIS_URL, "commands", { enableAutoPipelining: false });
let h: Harness;
beforeEach(async () => {
  h = await startBilling();
});
afterEach(async () => {
  await h.close();
});
afterAll(async () => {
  await redis.quit();
});

const A = "http://a.example:8080";
const B = "http://b.example:8080";

async function reconcile(query: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  return fetch(`${h.baseUrl}/internal/v1/reconcile?${query}`, { headers });
}

async function bill(events: UsageEvent[]) {
  await Promise.all(events.map((e) => h.publish(e)));
  await h.drained();
}

async function deliver(deliveries: Array<[requestId: string, at: string]>) {
  const before = await h.prisma.usageDelivery.count();
  for (const [id, at] of deliveries) await redis.xadd(deliveriesKey(h.prefix), "*", "id", id, "at", String(Date.parse(at)));
  await expect.poll(() => h.prisma.usageDelivery.count(), { timeout: 10_000 }).toBe(before + deliveries.length);
}

const at = (finished_at: string, rest: Partial<UsageEvent> & { tenant?: string }) =>
  usageEvent({ started_at: finished_at, finished_at, ...rest });

describe("GET /internal/v1/reconcile", () => {
  it("when a day was billed and delivered, then tokens are summed per backend and only the discrepancies are listed", async () => {
    const events = {
      succeeded: at("2025-03-10T01:00:00.000Z", { backend: A, kind: "chat", prompt_tokens: 100, completion_tokens: 10 }),
      cancelled: at("2025-03-10T02:00:00.000Z", {
        backend: A,
        kind: "chat",
        outcome: "cancelled",
        prompt_tokens: 50,
        completion_tokens: 5,
      }),
      embeddings: at("2025-03-10T03:00:00.000Z", { backend: A, kind: "embeddings", prompt_tokens: 30, completion_tokens: 0 }),
      lastMoment: at("2025-03-10T23:59:59.999Z", { backend: A, kind: "chat", prompt_tokens: 1, completion_tokens: 1 }),
      failed: at("2025-03-10T04:00:00.000Z", { backend: B, kind: "chat", outcome: "failed", prompt_tokens: 20, completion_tokens: 2 }),
      // From a worker older than `kind`, and never delivered.
      undelivered: at("2025-03-10T05:00:00.000Z", { backend: B, prompt_tokens: 7, completion_tokens: 3, tenant: "tenant-b" }),
      nextDay: at("2025-03-11T00:00:00.000Z", { backend: A, prompt_tokens: 1000, completion_tokens: 1000 }),
    };
    await bill(Object.values(events));
    await deliver([
      [events.succeeded.request_id, "2025-03-10T01:00:00.010Z"],
      [events.embeddings.request_id, "2025-03-10T03:00:00.010Z"],
      // Delivered the next day: still this day's delivered request.
      [events.lastMoment.request_id, "2025-03-11T00:00:00.100Z"],
      [events.nextDay.request_id, "2025-03-11T00:00:00.010Z"],
      ["req-answered-never-billed", "2025-03-10T12:00:00.000Z"],
      ["req-other-day", "2025-03-09T12:00:00.000Z"],
    ]);

    const res = await reconcile("from=2025-03-10&to=2025-03-10&settle_s=0");
    expect(res.status).toBe(200);
    const body = Reconciliation.parse(await res.json());
    expect(body.billed).toEqual([
      {
        date: "2025-03-10",
        backend: A,
        requests: 4,
        prompt_tokens: 181,
        completion_tokens: 16,
        generation_prompt_tokens: 151,
        succeeded_completion_tokens: 11,
      },
      {
        date: "2025-03-10",
        backend: B,
        requests: 2,
        prompt_tokens: 27,
        completion_tokens: 5,
        generation_prompt_tokens: 27,
        succeeded_completion_tokens: 3,
      },
    ]);
    expect(body.answered_not_billed).toEqual({
      count: 1,
      data: [
        {
          request_id: "req-answered-never-billed",
          tenant_id: null,
          model: null,
          backend: null,
          outcome: null,
          rows: 0,
          prompt_tokens: null,
          completion_tokens: null,
          started_at: null,
          finished_at: null,
          delivered_at: "2025-03-10T12:00:00.000Z",
        },
      ],
    });
    expect(body.billed_not_delivered).toEqual({
      count: 1,
      data: [
        {
          request_id: events.undelivered.request_id,
          tenant_id: "tenant-b",
          model: "llama-small",
          backend: B,
          outcome: "succeeded",
          rows: 1,
          prompt_tokens: 7,
          completion_tokens: 3,
          started_at: "2025-03-10T05:00:00.000Z",
          finished_at: "2025-03-10T05:00:00.000Z",
          delivered_at: null,
        },
      ],
    });
    expect(body.billed_twice).toEqual({ count: 0, data: [] });
    expect(body).toMatchObject({ from: "2025-03-10", to: "2025-03-10", settle_s: 0 });
  });

  it("when requests finished or were delivered within the settle margin, then they are not listed yet", async () => {
    await bill([usageEvent()]);
    await deliver([["req-just-answered", new Date().toISOString()]]);
    const today = new Date().toISOString().slice(0, 10);
    const settling = Reconciliation.parse(await (await reconcile(`from=${today}&to=${today}`)).json());
    expect(settling.settle_s).toBe(120);
    expect([settling.answered_not_billed.count, settling.billed_not_delivered.count]).toEqual([0, 0]);
    expect(settling.billed[0]?.requests).toBe(1);
    const settled = Reconciliation.parse(await (await reconcile(`from=${today}&to=${today}&settle_s=0`)).json());
    expect([settled.answered_not_billed.count, settled.billed_not_delivered.count]).toEqual([1, 1]);
  });

  it("when a request has two usage rows (the unique key lost), then it is listed as billed twice", async () => {
    const event = at("2025-03-10T01:00:00.000Z", { prompt_tokens: 4, completion_tokens: 2 });
    await bill([event]);
    await h.prisma.$executeRawUnsafe("DROP INDEX usage_records_request_id_key");
    await h.prisma.$executeRawUnsafe(
      `INSERT INTO usage_records (request_id, tenant_id, key_id, tier, model, prompt_tokens, completion_tokens, total_tokens, outcome,
                                  prompt_cost, completion_cost, cost, started_at, finished_at)
       SELECT request_id, tenant_id, key_id, tier, model, prompt_tokens, completion_tokens, total_tokens, outcome,
              prompt_cost, completion_cost, cost, started_at, finished_at FROM usage_records WHERE request_id = '${event.request_id}'`,
    );
    const body = Reconciliation.parse(await (await reconcile("from=2025-03-10&to=2025-03-10&settle_s=0")).json());
    expect(body.billed_twice).toMatchObject({ count: 1, data: [{ request_id: event.request_id, rows: 2, prompt_tokens: 8 }] });
  });

  it("when the range is reversed or the token wrong, then 400 naming the field, or 401, in the envelope", async () => {
    const reversed = await reconcile("from=2025-03-11&to=2025-03-10");
    expect(reversed.status).toBe(400);
    expect(ErrorEnvelope.parse(await reversed.json()).error).toMatchObject({ code: "invalid_request", param: "to" });
    const unauthorized = await reconcile("from=2025-03-10&to=2025-03-10", {});
    expect(unauthorized.status).toBe(401);
    expect(ErrorEnvelope.parse(await unauthorized.json()).error.code).toBe("invalid_api_key");
  });
});
