import { afterEach, describe, expect, it } from "vitest";
import { startLlamaSim, type LlamaSim, type RequestEndEvent } from "./index.ts";
import { postJson, sleep, waitFor } from "./test-client.ts";

let sim: LlamaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const chat = { messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 5 };

describe("slots", () => {
  it("when slots+3 requests come at once, then only `slots` run together and the rest are deferred in turn", async () => {
    sim = await startLlamaSim({ slots: 2, interTokenMs: 20 });
    const { url, stats } = sim;
    const deferredSeen: number[] = [];
    const watcher = setInterval(() => deferredSeen.push(stats.deferred), 2);
    const answers = await Promise.all(Array.from({ length: 5 }, () => postJson(`${url}/v1/chat/completions`, chat)));
    clearInterval(watcher);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(stats.maxProcessing).toBe(2);
    expect(Math.max(...deferredSeen)).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ processing: 0, deferred: 0, completed: 5, generations: 5 });
  });

  it("when all slots are busy, then /slots shows them processing and ?fail_on_no_slot=1 answers 503", async () => {
    sim = await startLlamaSim({ slots: 1, ttftMs: 200 });
    const { url, stats } = sim;
    const pending = postJson(`${url}/v1/chat/completions`, chat);
    await waitFor(() => stats.processing === 1);
    const slots = (await (await fetch(`${url}/slots`)).json()) as { id: number; is_processing: boolean; n_ctx: number }[];
    expect(slots).toEqual([expect.objectContaining({ id: 0, is_processing: true, n_ctx: 2048 })]);
    const busy = await fetch(`${url}/slots?fail_on_no_slot=1`);
    expect(busy.status).toBe(503);
    expect(await busy.json()).toEqual({ error: { code: 503, message: "no slot available", type: "unavailable_error" } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^llamacpp:requests_processing 1$/m);
    await pending;
    expect((await fetch(`${url}/slots?fail_on_no_slot=1`)).status).toBe(200);
  });

  it("when a client aborts mid-generation, then the slot is freed at once and onRequestEnd says aborted", async () => {
    sim = await startLlamaSim({ slots: 1, interTokenMs: 50, naturalTokens: 100 });
    const { url, stats } = sim;
    const ends: RequestEndEvent[] = [];
    sim.onRequestEnd((event) => ends.push(event));
    const controller = new AbortController();
    const res = await postJson(`${url}/v1/chat/completions`, { ...chat, stream: true, max_tokens: 100 }, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const abortedAt = Date.now();
    controller.abort();
    await waitFor(() => ends.length === 1, 100);
    expect(Date.now() - abortedAt).toBeLessThan(100);
    expect(ends[0]).toMatchObject({ endpoint: "/v1/chat/completions", aborted: true, maxTokens: 100 });
    expect(ends[0]!.tokens).toBeLessThan(100);
    expect(stats).toMatchObject({ processing: 0, aborted: 1, completed: 0 });
  });

  it("when a deferred client goes away, then it leaves the queue and never takes a slot", async () => {
    sim = await startLlamaSim({ slots: 1, ttftMs: 100 });
    const { url, stats } = sim;
    const first = postJson(`${url}/v1/chat/completions`, chat);
    const controller = new AbortController();
    const second = postJson(`${url}/v1/chat/completions`, chat, { signal: controller.signal }).catch(() => "aborted");
    await waitFor(() => stats.deferred === 1);
    controller.abort();
    expect(await second).toBe("aborted");
    await waitFor(() => stats.deferred === 0);
    expect((await first).status).toBe(200);
    await sleep(10);
    expect(stats).toMatchObject({ completed: 1, aborted: 1, maxProcessing: 1 });
  });

  it("when a request ends, then onRequestEnd reports its tokens and max_tokens, and unsubscribing stops it", async () => {
    sim = await startLlamaSim();
    const ends: RequestEndEvent[] = [];
    const off = sim.onRequestEnd((event) => ends.push(event));
    await (await postJson(`${sim.url}/v1/chat/completions`, chat)).json();
    await (await postJson(`${sim.url}/v1/chat/completions`, { ...chat, max_tokens: "abc" })).json();
    off();
    await (await postJson(`${sim.url}/v1/chat/completions`, chat)).json();
    expect(ends).toEqual([
      expect.objectContaining({ aborted: false, tokens: 5, maxTokens: 5 }),
      expect.objectContaining({ aborted: false, tokens: 16, maxTokens: null }),
    ]);
  });
});
