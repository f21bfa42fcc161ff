import { DailyUsage, ErrorEnvelope, KeyTokens, UsageRange, type UsageEvent } from "@gateway/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startBilling, TOKEN, usageEvent, type Harness } from "./billing-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startBilling();
});
afterEach(async () => {
  await h.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };

function get(path: string, headers: Record<string, string> = auth) {
  return fetch(`${h.baseUrl}${path}`, { headers });
}

async function bill(events: UsageEvent[]) {
  await Promise.all(events.map((e) => h.publish(e)));
  await h.drained();
}

const at = (finished_at: string, rest: Partial<UsageEvent> & { tenant?: string }) =>
  usageEvent({ ...rest, started_at: finished_at, finished_at });

// Both edges of 2025-03-10 (UTC) plus its neighbours and another tenant on the same day.
const seed = () => [
  at("2025-03-10T00:00:00.000Z", { prompt_tokens: 1000, completion_tokens: 2000 }),
  at("2025-03-10T23:59:59.999Z", { prompt_tokens: 500, completion_tokens: 0, outcome: "failed" }),
  at("2025-03-10T12:00:00.000Z", { model: "llama-free", prompt_tokens: 7, completion_tokens: 3 }),
  at("2025-03-11T00:00:00.000Z", { prompt_tokens: 1, completion_tokens: 1 }),
  at("2025-03-09T23:59:59.999Z", { prompt_tokens: 2, completion_tokens: 2 }),
  at("2025-03-10T08:00:00.000Z", { tenant: "tenant-b", prompt_tokens: 100, completion_tokens: 100 }),
];

describe("GET /internal/v1/usage/daily", () => {
  it("when a tenant used several models that day, then totals and by_model sum that UTC day only, costs as exact strings", async () => {
    await bill(seed());
    const res = await get("/internal/v1/usage/daily?tenant_id=tenant-a&date=2025-03-10");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = DailyUsage.parse(await res.json());
    expect(body).toEqual({
      tenant_id: "tenant-a",
      date: "2025-03-10",
      totals: { requests: 3, prompt_tokens: 1507, completion_tokens: 2003, total_tokens: 3510, cost: "1.185185183518" },
      by_model: [
        { model: "llama-free", requests: 1, prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, cost: "0" },
        { model: "llama-small", requests: 2, prompt_tokens: 1500, completion_tokens: 2000, total_tokens: 3500, cost: "1.185185183518" },
      ],
    });
  });

  it("when the tenant has no usage that day, then the totals are zero", async () => {
    const res = await get("/internal/v1/usage/daily?tenant_id=nobody&date=2025-03-10");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenant_id: "nobody",
      date: "2025-03-10",
      totals: { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: "0" },
      by_model: [],
    });
  });

  it("when the token is missing or wrong, then 401 invalid_api_key in the envelope", async () => {
    for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong-token-0123456789" }, { authorization: TOKEN }]) {
      const res = await get("/internal/v1/usage/daily?tenant_id=tenant-a&date=2025-03-10", headers);
      expect(res.status).toBe(401);
      const body = ErrorEnvelope.parse(await res.json());
      expect(body.error).toMatchObject({ code: "invalid_api_key", type: "authentication_error" });
      expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
    }
  });

  it("when the date is not a calendar date, then 400 invalid_request names the field", async () => {
    const res = await get("/internal/v1/usage/daily?tenant_id=tenant-a&date=2025-02-30");
    expect(res.status).toBe(400);
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error).toMatchObject({ code: "invalid_request", type: "invalid_request_error", param: "date" });
    expect(error.details).toEqual([{ path: "date", message: expect.any(String) }]);
  });

  it("when the caller sends its own request id, then it is echoed back", async () => {
    const res = await get("/internal/v1/usage/daily?tenant_id=t&date=2025-03-10", { ...auth, "x-request-id": "edge-req-42" });
    expect(res.headers.get("x-request-id")).toBe("edge-req-42");
  });
});

describe("GET /internal/v1/usage", () => {
  it("when asked for a range, then one row per day and model with usage, in order", async () => {
    await bill(seed());
    const res = await get("/internal/v1/usage?tenant_id=tenant-a&from=2025-03-09&to=2025-03-11");
    expect(res.status).toBe(200);
    const body = UsageRange.parse(await res.json());
    expect(body.data.map((r) => [r.date, r.model, r.requests, r.total_tokens, r.cost])).toEqual([
      ["2025-03-09", "llama-small", 1, 4, "0.001246913578024"],
      ["2025-03-10", "llama-free", 1, 10, "0"],
      ["2025-03-10", "llama-small", 2, 3500, "1.185185183518"],
      ["2025-03-11", "llama-small", 1, 2, "0.000623456789012"],
    ]);
  });

  it("when from is after to, then 400 with details", async () => {
    const res = await get("/internal/v1/usage?tenant_id=tenant-a&from=2025-03-11&to=2025-03-09");
    expect(res.status).toBe(400);
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error.details).toEqual([{ path: "to", message: "must not be before from" }]);
  });
});

describe("GET /internal/v1/usage/keys", () => {
  it("when asked for some keys on a day, then each key with usage that UTC day has its total tokens", async () => {
    const key = (id: string, finished_at: string, tokens: number) => ({
      ...at(finished_at, { prompt_tokens: tokens, completion_tokens: 1 }),
      caller: { tenant_id: "t", key_id: id, tier: "free" },
    });
    await bill([
      key("key-a", "2025-03-10T00:00:00.000Z", 9),
      key("key-a", "2025-03-10T23:59:59.999Z", 19),
      key("key-a", "2025-03-11T00:00:00.000Z", 99),
      key("key-b", "2025-03-10T12:00:00.000Z", 4),
      key("key-c", "2025-03-10T12:00:00.000Z", 1000),
    ]);
    const res = await get("/internal/v1/usage/keys?date=2025-03-10&key_id=key-a&key_id=key-b&key_id=key-none");
    expect(res.status).toBe(200);
    expect(KeyTokens.parse(await res.json())).toEqual({
      date: "2025-03-10",
      data: [
        { key_id: "key-a", total_tokens: 30 },
        { key_id: "key-b", total_tokens: 5 },
      ],
    });
  });

  it("when no key is named, then 400 names key_id", async () => {
    const res = await get("/internal/v1/usage/keys?date=2025-03-10");
    expect(res.status).toBe(400);
    expect(ErrorEnvelope.parse(await res.json()).error.param).toBe("key_id");
  });
});

describe("errors", () => {
  it("when the database fails, then 500 internal_error without internals", async () => {
    await h.prisma.$executeRawUnsafe("DROP TABLE usage_records");
    const res = await get("/internal/v1/usage/daily?tenant_id=tenant-a&date=2025-03-10");
    expect(res.status).toBe(500);
    const body = ErrorEnvelope.parse(await res.json());
    expect(body.error).toMatchObject({ code: "internal_error", type: "server_error", message: "internal error", details: null });
    expect(JSON.stringify(body)).not.toMatch(/usage_records|stack|at /);
  });

  it("when the route does not exist, then 404 not_found in the envelope", async () => {
    const res = await get("/nope");
    expect(res.status).toBe(404);
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("not_found");
  });
});
