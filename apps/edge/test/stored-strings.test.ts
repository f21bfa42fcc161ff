import { ErrorEnvelope } from "@gateway/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi } from "./admin-api.ts";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { gatewayConfigFile, tier } from "./gateway-config.ts";
import { MODEL, startTestEdge, TEST_KEY, type TestEdge } from "./start-test-edge.ts";

let edge: TestEdge;
let worker: FakeWorker;
let db: pg.Client;
beforeAll(async () => {
  // One turn per minute: the second is refused by admission.
  edge = await startTestEdge({ GATEWAY_CONFIG_FILE: gatewayConfigFile({ once: tier({ requests_per_minute: 1 }) }) }, { tier: "once" });
  worker = await startFakeWorker(edge.prefix, async (job) => [resultOf(job, 3, 2)]);
  await fetch(`${edge.url}/readyz`);
  db = new pg.Client({ connectionString: edge.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await worker.close();
  await edge.close();
});

const call = (method: string, path: string, body?: unknown, key = TEST_KEY) =>
  fetch(`${edge.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

async function expect400(res: Response, param: string) {
  expect(res.status).toBe(400);
  const { error } = ErrorEnvelope.parse(await res.json());
  expect(error.code).toBe("invalid_request");
  expect(error.param).toBe(param);
  expect(error.request_id).toBe(res.headers.get("x-request-id"));
}

describe("when a string Postgres cannot hold (NUL) or no JSON consumer can read (an unpaired surrogate) arrives", () => {
  let conversation: string;
  beforeAll(async () => {
    const res = await call("POST", "/v1/conversations", { model: MODEL, title: "ok" });
    conversation = ((await res.json()) as { id: string }).id;
  });

  it.each([
    ["title", { model: MODEL, title: "a\u0000b" }],
    ["system_prompt", { model: MODEL, system_prompt: "\ud800" }],
    ["metadata.team", { model: MODEL, metadata: { team: "x\u0000" } }],
    ["model", { model: `${MODEL}\u0000` }],
  ])("then creating a conversation is a 400 naming %s, never a 500", async (param, body) => {
    await expect400(await call("POST", "/v1/conversations", body), param);
  });

  it("then a NUL in a path id, a message, an update or a list cursor is a 400 naming the field", async () => {
    await expect400(await call("GET", "/v1/conversations/conv%00x"), "id");
    await expect400(await call("POST", `/v1/conversations/conv%00x/messages`, { content: "hi" }), "id");
    await expect400(await call("POST", `/v1/conversations/${conversation}/messages`, { content: "hi \u0000" }), "content");
    await expect400(await call("PATCH", `/v1/conversations/${conversation}`, { title: "\udc00" }), "title");
    await expect400(await call("GET", "/v1/conversations?after=conv%00x"), "after");
    await expect400(await call("GET", "/v1/jobs/job%00x"), "id");
    await expect400(await call("GET", "/v1/chat/completions/req%00x/stream"), "id");
    await expect400(await adminApi(edge.url).call("POST", "/v1/admin/keys", { tenant_id: "t", name: "n\u0000", tier: "free" }), "name");
    // Nothing of it was stored.
    const { rows } = await db.query("SELECT count(*)::int AS n FROM conversation_messages");
    expect(rows[0].n).toBe(0);
  });
});

describe("when a conversation turn is refused by admission", () => {
  it("then nothing of it is stored: the admitted turn has its two messages, the refused one none", async () => {
    const created = await call("POST", "/v1/conversations", { model: MODEL });
    const { id } = (await created.json()) as { id: string };
    // The key's tier admits one request per minute; nothing before this turn was admitted.
    const first = await call("POST", `/v1/conversations/${id}/messages`, { content: "first question" });
    const second = await call("POST", `/v1/conversations/${id}/messages`, { content: "second question" });
    expect([first.status, second.status]).toEqual([201, 429]);
    const { rows } = await db.query("SELECT role, content FROM conversation_messages WHERE conversation_id = $1 ORDER BY id", [id]);
    expect(rows).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "ok" },
    ]);
    const conversation = (await (await call("GET", `/v1/conversations/${id}`)).json()) as { message_count: number };
    expect(conversation.message_count).toBe(2);
  });
});
