import { describe, expect, it } from "vitest";
import { simPromptTokens } from "./index.ts";
import { postJson, useSims } from "./test-client.ts";

const startSim = useSims();

async function counters(url: string): Promise<{ prompt: number; predicted: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^llamacpp:${name} (\\S+)$`, "m").exec(text)?.[1]);
  return { prompt: value("prompt_tokens_total"), predicted: value("tokens_predicted_total") };
}

const messages = [{ role: "user", content: "Tell me a story." }];

describe("/metrics token counters, as llama-server counts them", () => {
  it("when a stream is cancelled after some tokens, then its prompt counts and its tokens do not; a completed one counts both", async () => {
    const sim = await startSim({ interTokenMs: 20, naturalTokens: 500 });
    const controller = new AbortController();
    const res = await postJson(
      `${sim.url}/v1/chat/completions`,
      { messages, max_tokens: 200, stream: true },
      { signal: controller.signal },
    );
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect.poll(() => sim.stats.aborted).toBe(1);
    const prompt = simPromptTokens(messages);
    expect(await counters(sim.url)).toEqual({ prompt, predicted: 0 });

    await (await postJson(`${sim.url}/v1/chat/completions`, { messages, max_tokens: 3 })).json();
    expect(await counters(sim.url)).toEqual({ prompt: 2 * prompt, predicted: 3 });
  });

  it("when a request is cancelled before its first token or fails mid-stream, then neither counter moves", async () => {
    const sim = await startSim({ ttftMs: 300 });
    const controller = new AbortController();
    const pending = postJson(`${sim.url}/v1/chat/completions`, { messages, max_tokens: 3 }, { signal: controller.signal }).catch(
      () => null,
    );
    await expect.poll(() => sim.stats.processing).toBe(1);
    controller.abort();
    await pending;
    await expect.poll(() => sim.stats.aborted).toBe(1);
    expect(await counters(sim.url)).toEqual({ prompt: 0, predicted: 0 });

    const fast = await startSim();
    fast.faults.cutStreamAfter(2);
    await (await postJson(`${fast.url}/v1/chat/completions`, { messages, max_tokens: 5, stream: true })).text();
    // The prompt was processed (a token came out); the failed generation's tokens are not counted.
    expect(await counters(fast.url)).toEqual({ prompt: simPromptTokens(messages), predicted: 0 });
  });

  it("when embeddings are computed, then the prompt counter leaves them out, as llama-server does", async () => {
    const sim = await startSim();
    expect((await postJson(`${sim.url}/v1/embeddings`, { input: "Once upon a time" })).status).toBe(200);
    expect(await counters(sim.url)).toEqual({ prompt: 0, predicted: 0 });
  });

  it("when the server is restarted, then its counters start from 0 again", async () => {
    const sim = await startSim();
    await (await postJson(`${sim.url}/v1/chat/completions`, { messages, max_tokens: 4 })).json();
    expect((await counters(sim.url)).predicted).toBe(4);
    await sim.faults.die();
    await sim.faults.revive();
    // The first request may meet the keep-alive socket the restart closed.
    await expect.poll(() => counters(sim.url).catch(() => null)).toEqual({ prompt: 0, predicted: 0 });
  });

  it("when started without metrics, then /metrics answers 501 as a server without --metrics does", async () => {
    const sim = await startSim({ metrics: false });
    const res = await fetch(`${sim.url}/metrics`);
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      error: {
        code: 501,
        message: "This server does not support metrics endpoint. Start it with `--metrics`",
        type: "not_supported_error",
      },
    });
  });
});
