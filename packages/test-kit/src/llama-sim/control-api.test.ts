import { afterEach, describe, expect, it } from "vitest";
import { startLlamaSim, type LlamaSim, type LlamaSimStats } from "./index.ts";
import { dataChunks, parseSse, postJson, sleep } from "./test-client.ts";

let sim: LlamaSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const chat = { messages: [{ role: "user", content: "Tell me a story" }], max_tokens: 4 };

async function control(body: unknown): Promise<Response> {
  return postJson(`${sim!.url}/_sim/faults`, body);
}

describe("HTTP control API", () => {
  it("when failNext comes over HTTP, then the next generations fail with that status", async () => {
    sim = await startLlamaSim();
    expect((await control({ failNext: 1, status: 503 })).status).toBe(200);
    expect((await postJson(`${sim.url}/v1/chat/completions`, chat)).status).toBe(503);
    expect((await postJson(`${sim.url}/v1/chat/completions`, chat)).status).toBe(200);
  });

  it("when hangNext comes over HTTP, then the next generation hangs", async () => {
    sim = await startLlamaSim();
    await control({ hangNext: 1 });
    const controller = new AbortController();
    const hung = postJson(`${sim.url}/v1/chat/completions`, chat, { signal: controller.signal }).catch(() => "aborted");
    expect(await Promise.race([hung, sleep(50).then(() => "waiting")])).toBe("waiting");
    controller.abort();
    expect(await hung).toBe("aborted");
  });

  it("when cutStreamAfter with mode comes over HTTP, then the next stream is cut that way", async () => {
    sim = await startLlamaSim();
    await control({ cutStreamAfter: 1, mode: "error-line" });
    const events = parseSse(await (await postJson(`${sim.url}/v1/chat/completions`, { ...chat, stream: true })).text());
    expect(dataChunks(events)).toHaveLength(1);
    expect(events.map((e) => e.field)).toEqual(["data", "error", "data"]);
  });

  it("when loadingMs then reset come over HTTP, then it loads and reset ends the loading; the control API stays open", async () => {
    sim = await startLlamaSim({ apiKey: "k" });
    await control({ loadingMs: 10_000 });
    expect((await fetch(`${sim.url}/health`)).status).toBe(503);
    expect((await control({ reset: true })).status).toBe(200);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });

  it("when a fault command is malformed, then it answers 400 and changes nothing", async () => {
    sim = await startLlamaSim();
    expect((await control({ failNext: -1 })).status).toBe(400);
    expect((await control({ cutStreamAfter: 1, mode: "explode" })).status).toBe(400);
    expect((await postJson(`${sim.url}/v1/chat/completions`, chat)).status).toBe(200);
  });

  it("when /_sim/stats is asked, then it answers the live stats", async () => {
    sim = await startLlamaSim();
    await postJson(`${sim.url}/v1/chat/completions`, chat);
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as LlamaSimStats;
    expect(stats).toMatchObject({ generations: 1, completed: 1, processing: 0, maxProcessing: 1 });
  });
});
