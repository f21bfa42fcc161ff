import { connect as tcpConnect } from "node:net";
import { cancelledKey, contentText, ErrorEnvelope, type ChatJob, type RelayMessage } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { adminApi } from "./admin-api.ts";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { gatewayConfigFile, tier } from "./gateway-config.ts";
import { chatBody, post, startTestEdge, TEST_KEY, type TestEdge } from "./start-test-edge.ts";

/** A chunk of `bytes` characters: a flood of them fills any socket buffer that is not being read. */
const bigChunk = (job: ChatJob, seq: number, bytes: number): RelayMessage => ({
  type: "chunk",
  request_id: job.request_id,
  seq,
  attempt: 1,
  chunk: {
    id: `chatcmpl-${job.request_id}`,
    object: "chat.completion.chunk",
    created: 1,
    model: job.model,
    choices: [{ index: 0, delta: { content: "x".repeat(bytes) }, finish_reason: null }],
  },
});

const redis = new Redis(TEST_REDIS_URL);
let edge: TestEdge;
let worker: FakeWorker;
const floodFor = new Set<string>();
beforeAll(async () => {
  edge = await startTestEdge(
    {
      GATEWAY_CONFIG_FILE: gatewayConfigFile({ single: tier({ max_concurrent: 1 }) }),
      WS_AUTH_TIMEOUT_MS: "300",
      SLOW_CLIENT_BUFFER_BYTES: "65536",
      STREAM_RESUME_GRACE_MS: "0",
      AUTH_FAILURES_PER_MINUTE: "3",
      INTERNAL_PORT: "0",
    },
    { tier: "enterprise" },
  );
  // A stream whose user message says "flood" gets 24 MB of chunks (more than any socket buffer holds), others one short answer.
  worker = await startFakeWorker(edge.prefix, async (job) => {
    const text = contentText(job.params.messages.at(-1)?.content ?? null);
    if (!text.includes("flood")) return [bigChunk(job, 0, 5), resultOf(job, 1, 1)];
    floodFor.add(job.request_id);
    return Array.from({ length: 3_000 }, (_, seq) => bigChunk(job, seq, 8_000));
  });
  await fetch(`${edge.url}/readyz`);
});
afterAll(async () => {
  await worker.close();
  await edge.close();
  await redis.quit();
});

const metric = async (name: string, label: string) => {
  const text = await (await fetch(`${edge.internalUrl}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
};
const wsUrl = () => `${edge.url.replace("http", "ws")}/v1/ws`;
const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
const cancelledFloods = async () =>
  (await Promise.all([...floodFor].map((id) => redis.get(cancelledKey(edge.prefix, id))))).filter(Boolean);

describe("when a WebSocket does not authenticate", () => {
  it("then a socket that sends nothing is closed with 1008 once the auth timeout passes", async () => {
    const ws = new WebSocket(wsUrl());
    const started = Date.now();
    expect(await closed(ws)).toBe(1008);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("then a first message that is not auth is answered with an error and the socket closed (1008)", async () => {
    const ws = new WebSocket(wsUrl());
    const messages: { type: string; error?: { code: string } }[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.on("open", resolve));
    const code = closed(ws);
    ws.send(JSON.stringify({ type: "chat.completion", id: "a", request: chatBody() }));
    expect(await code).toBe(1008);
    expect(messages).toMatchObject([{ type: "error", error: { code: "invalid_api_key" } }]);
  });
});

describe("when a client stops reading", () => {
  it("then a WebSocket is cut off once its unsent messages pass the bound, and its request is cancelled", async () => {
    const before = await metric("gateway_edge_slow_clients_total", 'transport="websocket"');
    const ws = new WebSocket(wsUrl(), { headers: { authorization: `Bearer ${TEST_KEY}` } });
    await new Promise((resolve) => ws.on("message", resolve));
    const code = closed(ws);
    ws.send(
      JSON.stringify({ type: "chat.completion", id: "slow", request: chatBody({ messages: [{ role: "user", content: "flood ws" }] }) }),
    );
    // Stop reading: the edge's buffer for this socket can only grow from here.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect.poll(() => metric("gateway_edge_slow_clients_total", 'transport="websocket"'), { timeout: 15_000 }).toBe(before + 1);
    await expect.poll(cancelledFloods, { timeout: 5_000 }).toContain("client_disconnected");
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await code).toBe(1006);
  });

  it("then an SSE stream is cut off once its buffer passes the bound, and its job is cancelled", async () => {
    floodFor.clear();
    const before = await metric("gateway_edge_slow_clients_total", 'transport="sse"');
    const { port } = new URL(edge.url);
    const socket = tcpConnect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.on("connect", resolve));
    const body = JSON.stringify(chatBody({ stream: true, messages: [{ role: "user", content: "flood sse" }] }));
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.pause();
    await expect.poll(() => metric("gateway_edge_slow_clients_total", 'transport="sse"'), { timeout: 15_000 }).toBe(before + 1);
    await expect.poll(cancelledFloods, { timeout: 5_000 }).toContain("client_disconnected");
    socket.destroy();
  });
});

describe("when a reader attaches to a stream's log", () => {
  it("then it holds one of the key's concurrency slots while attached, and gives it back when it leaves", async () => {
    const key = await adminApi(edge.internalUrl!).create({ tenant_id: "tenant-a", tier: "single" });
    const auth = { authorization: `Bearer ${key.secret}` };
    const started = await post(`${edge.url}/v1/chat/completions`, chatBody({ stream: true }), auth);
    expect(started.status).toBe(200);
    const resumeUrl = started.headers.get("x-resume-url")!;
    await started.text();
    const reader = new AbortController();
    const attached = await fetch(`${edge.url}${resumeUrl}`, { headers: auth, signal: reader.signal });
    expect(attached.status).toBe(200);
    // The stream's log is empty (the fake worker writes none): the reader waits, holding the slot.
    const refused = await post(`${edge.url}/v1/chat/completions`, chatBody(), auth);
    expect(refused.status).toBe(429);
    expect(ErrorEnvelope.parse(await refused.json()).error.code).toBe("concurrency_limit_exceeded");
    reader.abort();
    await expect.poll(async () => (await post(`${edge.url}/v1/chat/completions`, chatBody(), auth)).status, { timeout: 5_000 }).toBe(200);
  });

  it("then a Last-Event-ID that is not an event id of the stream is a 400, not a read", async () => {
    const started = await post(`${edge.url}/v1/chat/completions`, chatBody({ stream: true }));
    await started.text();
    for (const bad of ["abc", "-1", "1.5", "9".repeat(20)]) {
      const res = await fetch(`${edge.url}${started.headers.get("x-resume-url")}`, {
        headers: { authorization: `Bearer ${TEST_KEY}`, "last-event-id": bad },
      });
      expect(res.status).toBe(400);
      expect(ErrorEnvelope.parse(await res.json()).error.param).toBe("Last-Event-ID");
    }
    const job = await post(`${edge.url}/v1/jobs`, { type: "chat.completion", request: chatBody() });
    const { id } = (await job.json()) as { id: string };
    const events = await fetch(`${edge.url}/v1/jobs/${id}/events?last_event_id=abc`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(events.status).toBe(400);
  });
});

describe("when one address tries many unknown keys", () => {
  it("then after the bound it gets 429 without a key-store lookup, counted, while a key already known still works", async () => {
    const tryKey = (key: string) => fetch(`${edge.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect((await tryKey(TEST_KEY)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await tryKey(`sk-unknown-${i}-0123456789abcdef`)).status).toBe(401);
    const throttled = await tryKey("sk-unknown-4-0123456789abcdef");
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await metric("gateway_edge_auth_failures_total", 'reason="throttled"')).toBe(1);
    expect((await tryKey(TEST_KEY)).status).toBe(200);
  });
});

describe("when INTERNAL_PORT is set", () => {
  it("then /metrics and the admin API are served only there; the probes on both", async () => {
    expect((await fetch(`${edge.url}/metrics`)).status).toBe(404);
    expect((await adminApi(edge.url).call("GET", "/v1/admin/keys")).status).toBe(404);
    expect((await fetch(`${edge.internalUrl}/metrics`)).status).toBe(200);
    expect((await adminApi(edge.internalUrl!).call("GET", "/v1/admin/keys")).status).toBe(200);
    expect((await fetch(`${edge.internalUrl}/v1/chat/completions`, { method: "POST" })).status).toBe(404);
    for (const url of [edge.url, edge.internalUrl]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
