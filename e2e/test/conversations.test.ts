import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSse } from "./sse-events.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;
let otherKey: string;

beforeAll(async () => {
  // 2048-token context on the simulator: long histories must be fitted.
  system = await startSystem({ sim: { interTokenMs: 10, naturalTokens: 500 }, edgeEnv: { STREAM_RESUME_GRACE_MS: "0" } });
  otherKey = (await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-conv-other" })).secret;
});
afterAll(() => system?.stop());

const call = (path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}, key = system.apiKey) =>
  fetch(`${system.edgeUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    ...(init.signal && { signal: init.signal }),
  });

type Conv = {
  id: string;
  model: string;
  title: string | null;
  system_prompt: string | null;
  message_count: number;
  metadata: Record<string, string>;
};
type Msg = { id: string; role: string; content: string; usage: { completion_tokens: number } | null };
type ConvWithMessages = Conv & { messages: { data: Msg[]; has_more: boolean; last_id: string | null } };

const create = async (key = system.apiKey) => {
  const res = await call(
    "/v1/conversations",
    { method: "POST", body: { model: MODEL, system_prompt: "You tell stories.", title: "t" } },
    key,
  );
  expect(res.status).toBe(201);
  return (await res.json()) as Conv;
};

describe("when a client works with a conversation", () => {
  it("then it is created, messaged, read with its messages, changed, listed and deleted", async () => {
    const conv = await create();
    expect(conv).toMatchObject({ model: MODEL, system_prompt: "You tell stories.", message_count: 0 });
    expect(conv.id).toMatch(/^conv_/);
    const reply = await call(`/v1/conversations/${conv.id}/messages`, {
      method: "POST",
      body: { content: "Once upon a time", max_tokens: 12 },
    });
    expect(reply.status).toBe(201);
    const assistant = (await reply.json()) as Msg;
    expect(assistant).toMatchObject({ role: "assistant", usage: { completion_tokens: 12 } });
    const read = (await (await call(`/v1/conversations/${conv.id}`)).json()) as ConvWithMessages;
    expect(read.message_count).toBe(2);
    expect(read.messages.data.map((m) => [m.role, m.content])).toEqual([
      ["user", "Once upon a time"],
      ["assistant", assistant.content],
    ]);
    const patched = await call(`/v1/conversations/${conv.id}`, { method: "PATCH", body: { title: "new", metadata: { a: "b" } } });
    expect((await patched.json()) as Conv).toMatchObject({ title: "new", metadata: { a: "b" }, system_prompt: "You tell stories." });
    expect((await call(`/v1/conversations/${conv.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/v1/conversations/${conv.id}`)).status).toBe(404);
  });

  it("then pages of conversations and of messages follow the cursor to the end", async () => {
    const key = (await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-conv-pages" })).secret;
    const made = [await create(key), await create(key), await create(key)];
    type Page = { data: { id: string }[]; has_more: boolean; last_id: string | null };
    const p1 = (await (await call("/v1/conversations?limit=2", {}, key)).json()) as Page;
    expect(p1.data.map((c) => c.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(p1.has_more).toBe(true);
    const p2 = (await (await call(`/v1/conversations?limit=2&after=${p1.last_id}`, {}, key)).json()) as Page;
    expect(p2).toMatchObject({ data: [{ id: made[0]!.id }], has_more: false });
    await call(`/v1/conversations/${made[0]!.id}/messages`, { method: "POST", body: { content: "hi", max_tokens: 2 } }, key);
    const m1 = (await (await call(`/v1/conversations/${made[0]!.id}?limit=1`, {}, key)).json()) as ConvWithMessages;
    expect(m1.messages).toMatchObject({ has_more: true, data: [{ role: "user" }] });
    const m2 = (await (
      await call(`/v1/conversations/${made[0]!.id}?limit=1&after=${m1.messages.last_id}`, {}, key)
    ).json()) as ConvWithMessages;
    expect(m2.messages).toMatchObject({ has_more: false, data: [{ role: "assistant" }] });
  });

  it("then another tenant gets 404 on every route of it", async () => {
    const conv = await create();
    for (const [path, method, body] of [
      [`/v1/conversations/${conv.id}`, "GET", undefined],
      [`/v1/conversations/${conv.id}`, "PATCH", { title: "x" }],
      [`/v1/conversations/${conv.id}`, "DELETE", undefined],
      [`/v1/conversations/${conv.id}/messages`, "POST", { content: "x" }],
    ] as const) {
      expect((await call(path, { method, body }, otherKey)).status).toBe(404);
    }
    const list = (await (await call("/v1/conversations", {}, otherKey)).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(0);
  });

  it("then a streamed reply is stored even though the client disconnected mid-stream", async () => {
    const conv = await create();
    const controller = new AbortController();
    const res = await call(`/v1/conversations/${conv.id}/messages`, {
      method: "POST",
      body: { content: "Tell me a story", max_tokens: 80, stream: true },
      signal: controller.signal,
    });
    await readSse(res, (e) => e.id === "3");
    controller.abort();
    await expect
      .poll(async () => ((await (await call(`/v1/conversations/${conv.id}`)).json()) as ConvWithMessages).messages.data.length, {
        timeout: 10_000,
      })
      .toBe(2);
    const read = (await (await call(`/v1/conversations/${conv.id}`)).json()) as ConvWithMessages;
    expect(read.messages.data[1]).toMatchObject({ role: "assistant", usage: { completion_tokens: 80 } });
    expect(read.message_count).toBe(2);
  });

  it("then a message retried with the same Idempotency-Key is stored and answered once", async () => {
    const conv = await create();
    const send = () =>
      fetch(`${system.edgeUrl}/v1/conversations/${conv.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json", "idempotency-key": `k-${conv.id}` },
        body: JSON.stringify({ content: "Once", max_tokens: 6 }),
      });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const [ma, mb] = (await Promise.all([a.json(), b.json()])) as Msg[];
    expect(mb!.id).toBe(ma!.id);
    const read = (await (await call(`/v1/conversations/${conv.id}`)).json()) as ConvWithMessages;
    expect(read.message_count).toBe(2);
  });

  it("then a history longer than the context is fitted: the oldest turns are dropped and the reply still comes", async () => {
    const conv = await create();
    const long = "word ".repeat(300);
    for (let i = 0; i < 8; i++) {
      const res = await call(`/v1/conversations/${conv.id}/messages`, { method: "POST", body: { content: `${i} ${long}`, max_tokens: 8 } });
      expect(res.status).toBe(201);
    }
    const read = (await (await call(`/v1/conversations/${conv.id}?limit=100`)).json()) as ConvWithMessages;
    expect(read.message_count).toBe(16);
  });
});
