import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { chunkText, readSse, type SseEvent } from "./sse-events.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;
let otherKey: string;

beforeAll(async () => {
  system = await startSystem({ sim: { interTokenMs: 15, naturalTokens: 500 }, edgeEnv: { SSE_KEEPALIVE_MS: "100" } });
  otherKey = (await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-other" })).secret;
});
afterAll(() => system?.stop());

const call = (path: string, init: RequestInit = {}, key = system.apiKey) =>
  fetch(`${system.edgeUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...init.headers },
  });

const createJob = async (maxTokens: number, extra: Record<string, unknown> = {}) => {
  const res = await call("/v1/jobs", {
    method: "POST",
    body: JSON.stringify({
      type: "chat.completion",
      request: { model: MODEL, messages: [{ role: "user", content: "Tell me a story." }], max_tokens: maxTokens },
      ...extra,
    }),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { id: string; status: string; links: { self: string; events: string } };
  expect(res.headers.get("location")).toBe(`/v1/jobs/${body.id}`);
  return body;
};

type JobView = {
  status: string;
  result: { choices: { message: { content: string } }[] } | null;
  usage: { completion_tokens: number } | null;
  position: number | null;
};
const getJob = async (id: string, key = system.apiKey) => (await call(`/v1/jobs/${id}`, {}, key)).json() as Promise<JobView>;

describe("when a client submits an async chat job", () => {
  it("then it is queued (202 + Location), and polling shows it running, then succeeded with the result and usage, billed once", async () => {
    const job = await createJob(20);
    expect(job.status).toBe("queued");
    await expect.poll(async () => (await getJob(job.id)).status, { timeout: 15_000 }).toBe("succeeded");
    const done = await getJob(job.id);
    expect(done.result!.choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(done.usage!.completion_tokens).toBe(20);
    const rows = await usageRows(system.db, job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "succeeded" });
  });

  it("then /events attached mid-way and resumed with Last-Event-ID yields the whole text exactly once and a final event", async () => {
    const job = await createJob(60);
    const first: SseEvent[] = [];
    await readSse(await call(job.links.events), (e) => {
      first.push(e);
      return first.length === 5;
    });
    const rest: SseEvent[] = [];
    await readSse(await call(job.links.events, { headers: { "last-event-id": first.at(-1)!.id! } }), (e) => void rest.push(e));
    const all = [...first, ...rest];
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const final = all.at(-1)!;
    expect(final.event).toBe("succeeded");
    const view = JSON.parse(final.data) as JobView;
    const chunks = all.filter((e) => e.event === "chunk").map((e) => e.data);
    expect(chunkText(chunks)).toBe(view.result!.choices[0]!.message.content);
  });

  it("then DELETE cancels it: the backend request is aborted, the job ends cancelled, and the tokens produced are billed", async () => {
    const job = await createJob(250);
    await readSse(await call(job.links.events), (e) => e.event === "chunk");
    const res = await call(`/v1/jobs/${job.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await getJob(job.id)).status, { timeout: 10_000 }).toBe("cancelled");
    const rows = await usageRows(system.db, job.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "cancelled" });
    expect(Number(rows[0]!.completion_tokens)).toBeLessThan(250);
  });

  it("then another tenant gets 404 on the job, its events and its cancel", async () => {
    const job = await createJob(5);
    for (const [path, method] of [
      [`/v1/jobs/${job.id}`, "GET"],
      [`/v1/jobs/${job.id}/events`, "GET"],
      [`/v1/jobs/${job.id}`, "DELETE"],
    ] as const) {
      const res = await call(path, { method }, otherKey);
      expect(res.status).toBe(404);
    }
    const list = (await (await call("/v1/jobs", {}, otherKey)).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(0);
  });
});

describe("when a job's retention has passed", () => {
  it("then polling it is a 404 job_expired that says so, not a plain not_found", async () => {
    const job = await createJob(2);
    await expect.poll(async () => (await getJob(job.id)).status, { timeout: 10_000 }).toBe("succeeded");
    // Stands in for the expiry (JOB_RETENTION_S is at least a minute): the record is what expires.
    const redis = new Redis(TEST_REDIS_URL);
    await redis.del(`${system.prefix}:job:${job.id}`);
    await redis.quit();
    const res = await call(`/v1/jobs/${job.id}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("job_expired");
    expect(body.error.message).toMatch(/no longer kept/);
    expect((await call("/v1/jobs/job_never")).status).toBe(404);
  });
});

describe("when a tenant lists its jobs", () => {
  it("then pages follow the cursor newest first, has_more is false on the last page, and an unknown cursor is an empty page", async () => {
    const key = (await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-list" })).secret;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(
        "/v1/jobs",
        {
          method: "POST",
          body: JSON.stringify({
            type: "chat.completion",
            request: { model: MODEL, messages: [{ role: "user", content: `n${i}` }], max_tokens: 2 },
          }),
        },
        key,
      );
      ids.push(((await res.json()) as { id: string }).id);
    }
    type Page = { data: { id: string }[]; has_more: boolean; last_id: string | null };
    const page1 = (await (await call("/v1/jobs?limit=2", {}, key)).json()) as Page;
    expect(page1.data.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = (await (await call(`/v1/jobs?limit=2&after=${page1.last_id}`, {}, key)).json()) as Page;
    expect(page2.data.map((j) => j.id)).toEqual([ids[0]]);
    expect(page2.has_more).toBe(false);
    const empty = (await (await call("/v1/jobs?after=job_nope", {}, key)).json()) as Page;
    expect(empty).toMatchObject({ data: [], has_more: false });
    expect((await call("/v1/jobs?limit=0", {}, key)).status).toBe(400);
  });
});
