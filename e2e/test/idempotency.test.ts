import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { chunkText, readSse, type SseEvent } from "./sse-events.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { testPrefix } from "@gateway/test-kit/redis";

let system: System;

beforeAll(async () => {
  system = await startSystem({ sim: { interTokenMs: 10, naturalTokens: 500 }, edges: 2, edgeEnv: { STREAM_RESUME_GRACE_MS: "3000" } });
});
afterAll(() => system?.stop());

const messages = [{ role: "user", content: "Tell me a story." }];
const post = (path: string, key: string, idem: string, body: unknown, edge = 0, signal?: AbortSignal) =>
  fetch(`${system.edgeUrls[edge]}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": idem },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });
const rowsOf = async (keyId: string) => {
  await new Promise((r) => setTimeout(r, 700));
  return (await system.db.query("SELECT request_id, outcome FROM usage_records WHERE key_id = $1", [keyId])).rows as {
    request_id: string;
    outcome: string;
  }[];
};

describe("when a client retries a chat completion with the same Idempotency-Key and body", () => {
  it("then a retry while it runs (on another edge) and one after it ended get the same answer, and it is billed once", async () => {
    const key = await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-idem" });
    const idem = testPrefix();
    const body = { model: MODEL, messages, max_tokens: 30 };
    const [a, b] = await Promise.all([
      post("/v1/chat/completions", key.secret, idem, body, 0),
      post("/v1/chat/completions", key.secret, idem, body, 1),
    ]);
    const c = await post("/v1/chat/completions", key.secret, idem, body, 0);
    const answers = (await Promise.all([a, b, c].map((r) => r.json()))) as { id: string; choices: { message: { content: string } }[] }[];
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(new Set(answers.map((x) => x.id)).size).toBe(1);
    expect(new Set(answers.map((x) => x.choices[0]!.message.content)).size).toBe(1);
    await usageRows(system.db, (a.headers.get("idempotent-replayed") ? b : a).headers.get("x-request-id")!);
    expect(await rowsOf(key.id)).toHaveLength(1);
  });

  it("then the same key with another body is a 409 idempotency_conflict, while another tenant may use the same key", async () => {
    const key = await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-idem-conflict" });
    const other = await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-idem-conflict-2" });
    const idem = testPrefix();
    expect((await post("/v1/chat/completions", key.secret, idem, { model: MODEL, messages, max_tokens: 3 })).status).toBe(200);
    const conflict = await post("/v1/chat/completions", key.secret, idem, { model: MODEL, messages, max_tokens: 4 });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe("idempotency_conflict");
    expect((await post("/v1/chat/completions", other.secret, idem, { model: MODEL, messages, max_tokens: 4 })).status).toBe(200);
  });

  it("then a stream whose client was cut off is replayed whole to the retry, and billed once as succeeded", async () => {
    const key = await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-idem-stream" });
    const idem = testPrefix();
    const body = { model: MODEL, messages, max_tokens: 60, stream: true };
    const controller = new AbortController();
    const first = await post("/v1/chat/completions", key.secret, idem, body, 0, controller.signal);
    const seen: SseEvent[] = [];
    await readSse(first, (e) => {
      seen.push(e);
      return seen.length === 5;
    });
    controller.abort();
    const retry = await post("/v1/chat/completions", key.secret, idem, body, 1);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    const events: SseEvent[] = [];
    await readSse(retry, (e) => void events.push(e));
    expect(events.at(-1)!.data).toBe("[DONE]");
    expect(chunkText(events.slice(0, 5).map((e) => e.data))).toBe(chunkText(seen.map((e) => e.data)));
    const rows = await usageRows(system.db, first.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "succeeded", completion_tokens: 60 });
  });
});

describe("when a client submits the same async job twice with one Idempotency-Key", () => {
  it("then both answers name the same job, which runs and is billed once", async () => {
    const key = await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-idem-jobs" });
    const idem = testPrefix();
    const body = { type: "chat.completion", request: { model: MODEL, messages, max_tokens: 5 } };
    const a = await post("/v1/jobs", key.secret, idem, body, 0);
    const b = await post("/v1/jobs", key.secret, idem, body, 1);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { id: string }[];
    expect(jb!.id).toBe(ja!.id);
    await usageRows(system.db, ja!.id);
    expect(await rowsOf(key.id)).toHaveLength(1);
  });
});
