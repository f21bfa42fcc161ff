import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { chunkText, readSse, type SseEvent } from "./sse-events.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;

beforeAll(async () => {
  system = await startSystem({
    sim: { interTokenMs: 15, naturalTokens: 500, slots: 1 },
    edgeEnv: { SSE_KEEPALIVE_MS: "100", STREAM_RESUME_GRACE_MS: "1500" },
  });
});
afterAll(() => system?.stop());

const post = (body: Record<string, unknown>, signal?: AbortSignal, key = system.apiKey) =>
  fetch(`${system.edgeUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Tell me a story." }], stream: true, ...body }),
    ...(signal && { signal }),
  });
const get = (path: string, headers: Record<string, string> = {}, key = system.apiKey) =>
  fetch(`${system.edgeUrl}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
const contentOf = (events: SseEvent[]) =>
  chunkText(events.filter((e) => e.data !== "[DONE]" && !e.data.includes('"error"')).map((e) => e.data));

describe("when a stream's client is cut off and reconnects to its resume URL with Last-Event-ID", () => {
  it("then it gets exactly the events it missed and the rest, so the full text arrives once, and the request is billed once", async () => {
    const controller = new AbortController();
    const res = await post({ max_tokens: 80, stream_options: { include_usage: true } }, controller.signal);
    const resumeUrl = res.headers.get("x-resume-url")!;
    expect(resumeUrl).toMatch(/^\/v1\/chat\/completions\/.+\/stream\?include_usage=true$/);
    const first: SseEvent[] = [];
    await readSse(res, (e) => {
      first.push(e);
      return first.length === 10;
    });
    controller.abort();
    const rest: SseEvent[] = [];
    await readSse(await get(resumeUrl, { "last-event-id": first.at(-1)!.id! }), (e) => void rest.push(e));
    const all = [...first, ...rest];
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_, i) => i));
    expect(all.at(-1)!.data).toBe("[DONE]");
    const usage = JSON.parse(all.at(-2)!.data) as { usage: { completion_tokens: number } };
    expect(usage.usage.completion_tokens).toBe(80);

    // The whole stream again from the start: the same text as the two halves together.
    const replay: SseEvent[] = [];
    await readSse(await get(resumeUrl), (e) => void replay.push(e));
    expect(contentOf(all)).toBe(contentOf(replay));
    expect(contentOf(all).length).toBeGreaterThan(0);
    const requestId = res.headers.get("x-request-id")!;
    const rows = await usageRows(system.db, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "succeeded", completion_tokens: 80 });
  });

  it("then another tenant gets 404 on the resume URL", async () => {
    const other = (await system.createKey({ tier: "enterprise", tenant_id: "tenant-e2e-resume-other" })).secret;
    const res = await post({ max_tokens: 3 });
    const resumeUrl = res.headers.get("x-resume-url")!;
    await res.text();
    expect((await get(resumeUrl, {}, other)).status).toBe(404);
  });
});

describe("when a stream's client goes away and nobody reconnects", () => {
  it("then generation goes on through the grace and is then cancelled, billing what was produced", async () => {
    const controller = new AbortController();
    const res = await post({ max_tokens: 250 }, controller.signal);
    const requestId = res.headers.get("x-request-id")!;
    await readSse(res, (e) => e.id === "2");
    controller.abort();
    const abortedAt = Date.now();
    const rows = await usageRows(system.db, requestId);
    expect(rows[0]).toMatchObject({ outcome: "cancelled" });
    // Cancelled by the grace (1.5 s), not at once and not at the end (250 tokens take ~3.75 s).
    expect(Date.now() - abortedAt).toBeGreaterThan(1_200);
    expect(Number(rows[0]!.completion_tokens)).toBeGreaterThan(20);
    expect(Number(rows[0]!.completion_tokens)).toBeLessThan(250);
  });
});

describe("when a stream waits in the queue behind another request", () => {
  it("then its client receives keep-alive comments before the first token", async () => {
    const blocker = await post({ max_tokens: 40 });
    const reader = blocker.body!.getReader();
    await reader.read();
    let comments = 0;
    const waiting = await post({ max_tokens: 2 });
    expect(waiting.status).toBe(200);
    const events: SseEvent[] = [];
    await readSse(
      waiting,
      (e) => void events.push(e),
      () => comments++,
    );
    expect(comments).toBeGreaterThan(0);
    expect(events.at(-1)!.data).toBe("[DONE]");
    await reader.cancel();
  });
});
