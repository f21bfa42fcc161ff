import { describe, expect, it } from "vitest";
import type { RequestEndEvent } from "./index.ts";
import { dataChunks, parseSse, postJson, sleep, useSims, waitFor } from "./test-client.ts";

const start = useSims();
const completion = { prompt: "Once upon a time", max_tokens: 6 };
const rerank = { query: "red ball", documents: ["a red ball", "a cat"] };
const toolCall = {
  messages: [{ role: "user", content: "go" }],
  tools: [
    { type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } }, required: ["a"] } } },
  ],
  tool_choice: "required",
};

describe("faults, stats and events on the newer endpoints", () => {
  it("when failNext(3, 503) is set, then completions, native completion and rerank each answer 503 once", async () => {
    const sim = await start({ reranking: true });
    sim.faults.failNext(3, 503);
    const statuses = [
      (await postJson(`${sim.url}/v1/completions`, completion)).status,
      (await postJson(`${sim.url}/completion`, completion)).status,
      (await postJson(`${sim.url}/v1/rerank`, rerank)).status,
      (await postJson(`${sim.url}/v1/rerank`, rerank)).status,
    ];
    expect(statuses).toEqual([503, 503, 503, 200]);
    expect(sim.stats).toMatchObject({ generations: 4, faulted: 3, completed: 1 });
  });

  it("when hangNext(1) is set, then a rerank waits in its slot until the client leaves", async () => {
    const sim = await start({ reranking: true });
    sim.faults.hangNext(1);
    const controller = new AbortController();
    const hung = postJson(`${sim.url}/v1/rerank`, rerank, { signal: controller.signal }).catch(() => "aborted");
    expect(await Promise.race([hung, sleep(80).then(() => "waiting")])).toBe("waiting");
    expect(sim.stats.processing).toBe(1);
    controller.abort();
    await waitFor(() => sim.stats.aborted === 1);
    expect(sim.stats.processing).toBe(0);
  });

  it("when cutStreamAfter(2) is set, then a completions stream and a tool-call stream stop with the error line and [DONE]", async () => {
    const sim = await start();
    for (const [path, body] of [
      ["/v1/completions", completion],
      ["/v1/chat/completions", toolCall],
    ] as const) {
      sim.faults.cutStreamAfter(2);
      const events = parseSse(await (await postJson(`${sim.url}${path}`, { ...body, stream: true })).text());
      expect(events.slice(-2).map((e) => e.field)).toEqual(["error", "data"]);
      expect(dataChunks(events).length).toBeGreaterThanOrEqual(2);
    }
    expect(sim.stats).toMatchObject({ faulted: 2, processing: 0 });
  });

  it("when each endpoint answers, then onRequestEnd names it with its tokens and max_tokens", async () => {
    const sim = await start({ reranking: true });
    const ends: RequestEndEvent[] = [];
    sim.onRequestEnd((event) => ends.push(event));
    await (await postJson(`${sim.url}/v1/completions`, completion)).text();
    await (await postJson(`${sim.url}/completions`, { prompt: "x", n_predict: 2 })).text();
    await (await postJson(`${sim.url}/reranking`, rerank)).text();
    await (await postJson(`${sim.url}/v1/chat/completions`, { ...toolCall, max_tokens: 3 })).text();
    expect(ends.map(({ endpoint, tokens, maxTokens, aborted }) => ({ endpoint, tokens, maxTokens, aborted }))).toEqual([
      { endpoint: "/v1/completions", tokens: 6, maxTokens: 6, aborted: false },
      { endpoint: "/completion", tokens: 2, maxTokens: 2, aborted: false },
      { endpoint: "/v1/rerank", tokens: 0, maxTokens: null, aborted: false },
      { endpoint: "/v1/chat/completions", tokens: 3, maxTokens: 3, aborted: false },
    ]);
  });

  it("when several prompts complete, then /metrics counts all their prompt and predicted tokens", async () => {
    const sim = await start();
    await (await postJson(`${sim.url}/v1/completions`, { prompt: ["Once upon a time", "The dog"], max_tokens: 3 })).text();
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    expect(metrics).toMatch(/^llamacpp:prompt_tokens_total 8$/m);
    expect(metrics).toMatch(/^llamacpp:tokens_predicted_total 6$/m);
  });

  it("when completions come beyond the slots, then they wait for a slot like chat does", async () => {
    const sim = await start({ slots: 1, interTokenMs: 5 });
    const answers = await Promise.all([1, 2, 3].map(() => postJson(`${sim.url}/v1/completions`, completion)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sim.stats).toMatchObject({ maxProcessing: 1, completed: 3, deferred: 0 });
  });

  it("when the client leaves a completions stream, then the generation is cancelled and its slot freed", async () => {
    const sim = await start({ interTokenMs: 30, naturalTokens: 100 });
    const controller = new AbortController();
    const res = await postJson(`${sim.url}/v1/completions`, { prompt: "x", stream: true }, { signal: controller.signal });
    await res.body!.getReader().read();
    controller.abort();
    await waitFor(() => sim.stats.aborted === 1);
    expect(sim.stats).toMatchObject({ processing: 0, completed: 0 });
  });
});
