import { afterEach, describe, expect, it } from "vitest";
import { startLlamaSim, type LlamaSim, type RequestEndEvent } from "./index.ts";
import { dataChunks, parseSse, postJson, sleep, waitFor } from "./test-client.ts";

let sim: LlamaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const chat = { messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 8 };
const complete = (body: object = chat) => postJson(`${sim!.url}/v1/chat/completions`, body);

describe("faults", () => {
  it("when failNext(2, 503) is set, then the next two generations answer 503 and the third succeeds", async () => {
    sim = await startLlamaSim();
    sim.faults.failNext(2, 503);
    const statuses = [(await complete()).status, (await complete()).status, (await complete()).status];
    expect(statuses).toEqual([503, 503, 200]);
    expect(sim.stats).toMatchObject({ faulted: 2, completed: 1 });
  });

  it("when failNext is set without status, then it answers llama's 500 body", async () => {
    sim = await startLlamaSim();
    sim.faults.failNext(1);
    const res = await postJson(`${sim.url}/v1/embeddings`, { input: "hi" });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 500, message: "simulated failure", type: "server_error" } });
  });

  it("when hangNext(1) is set, then that request never answers until its client leaves, and the next one answers", async () => {
    sim = await startLlamaSim();
    const ends: RequestEndEvent[] = [];
    sim.onRequestEnd((event) => ends.push(event));
    sim.faults.hangNext(1);
    const controller = new AbortController();
    const hung = postJson(`${sim.url}/v1/chat/completions`, chat, { signal: controller.signal }).then(
      () => "answered",
      () => "aborted",
    );
    expect(await Promise.race([hung, sleep(100).then(() => "still waiting")])).toBe("still waiting");
    expect(sim.stats.processing).toBe(1);
    expect((await complete()).status).toBe(200);
    controller.abort();
    expect(await hung).toBe("aborted");
    await waitFor(() => ends.some((e) => e.aborted));
    expect(sim.stats).toMatchObject({ processing: 0, aborted: 1, completed: 1 });
  });

  it("when cutStreamAfter(3) is set, then the stream carries 3 tokens, the error line, and [DONE]", async () => {
    sim = await startLlamaSim();
    sim.faults.cutStreamAfter(3);
    const events = parseSse(await (await complete({ ...chat, stream: true })).text());
    expect(events.slice(-2)).toEqual([
      { field: "error", value: '{"code":500,"message":"context shift is disabled","type":"server_error"}' },
      { field: "data", value: "[DONE]" },
    ]);
    expect(dataChunks(events)).toHaveLength(3);
    expect(sim.stats).toMatchObject({ faulted: 1, processing: 0 });
    const next = dataChunks(parseSse(await (await complete({ ...chat, stream: true })).text()));
    expect(next).toHaveLength(9);
  });

  it("when cutStreamAfter(2, close) is set, then the socket closes after 2 tokens with no [DONE]", async () => {
    sim = await startLlamaSim({ interTokenMs: 5 });
    sim.faults.cutStreamAfter(2, "close");
    const res = await complete({ ...chat, stream: true });
    let text = "";
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
      })(),
    ).rejects.toThrow();
    expect(text).not.toContain("[DONE]");
    expect(text.match(/^data: /gm)).toHaveLength(2);
    await waitFor(() => sim!.stats.processing === 0);
  });

  it("when die() then revive(), then requests fail in between and succeed after, on the same port", async () => {
    sim = await startLlamaSim({ interTokenMs: 20 });
    const port = sim.port;
    const inflight = complete().then(
      (r) => r.text(),
      () => "failed",
    );
    await waitFor(() => sim!.stats.processing === 1);
    await sim.faults.die();
    expect(await inflight).toBe("failed");
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
    await sim.faults.revive();
    expect(sim.port).toBe(port);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    expect((await complete()).status).toBe(200);
  });

  it("when setLoading(ms) is set, then every endpoint answers 503 Loading model until it passes", async () => {
    sim = await startLlamaSim();
    sim.faults.setLoading(80);
    const health = await fetch(`${sim.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ error: { code: 503, message: "Loading model", type: "unavailable_error" } });
    expect((await complete()).status).toBe(503);
    await sleep(100);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });

  it("when loadingMs is an option, then the simulator starts loading and then becomes ready", async () => {
    sim = await startLlamaSim({ loadingMs: 60 });
    expect((await fetch(`${sim.url}/health`)).status).toBe(503);
    await sleep(80);
    expect(await (await fetch(`${sim.url}/health`)).json()).toEqual({ status: "ok" });
  });

  it("when reset() is called, then no pending fault fires", async () => {
    sim = await startLlamaSim();
    sim.faults.failNext(3);
    sim.faults.hangNext(3);
    sim.faults.cutStreamAfter(1);
    sim.faults.setLoading(10_000);
    sim.faults.reset();
    expect((await complete()).status).toBe(200);
    expect(dataChunks(parseSse(await (await complete({ ...chat, stream: true })).text()))).toHaveLength(9);
  });
});
