import { describe, expect, it } from "vitest";
import { simCompletion, simPromptTokens } from "./index.ts";
import { dataChunks, parseSse, postJson, useSims } from "./test-client.ts";

const start = useSims();

const messages = [
  { role: "system", content: "You tell short stories." },
  { role: "user", content: "Tell me about a girl and a ball." },
];

describe("POST /v1/chat/completions, non-stream", () => {
  it("when asked, then it answers the OpenAI shape plus timings, exactly as simCompletion and simPromptTokens predict", async () => {
    const { url } = await start();
    const res = await postJson(`${url}/v1/chat/completions`, { model: "anything", messages, max_tokens: 5 });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as Record<string, unknown>;
    const expected = simCompletion(messages, 5);
    const promptTokens = simPromptTokens(messages);
    expect(body).toMatchObject({
      choices: [{ finish_reason: "length", index: 0, message: { role: "assistant", content: expected.text } }],
      model: "anything",
      system_fingerprint: "b0-unknown",
      object: "chat.completion",
      usage: { completion_tokens: 5, prompt_tokens: promptTokens, total_tokens: promptTokens + 5 },
      timings: { prompt_n: promptTokens, predicted_n: 5 },
    });
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{32}$/);
    expect(typeof body.created).toBe("number");
  });

  it("when the same request comes twice, then the answers are identical but for id and timings", async () => {
    const { url } = await start();
    const ask = async () => (await (await postJson(`${url}/v1/chat/completions`, { messages, seed: 7 })).json()) as Record<string, unknown>;
    const [a, b] = [await ask(), await ask()];
    expect(a.choices).toEqual(b.choices);
    expect(a.usage).toEqual(b.usage);
    expect(a.id).not.toBe(b.id);
    expect((a.choices as { message: { content: string } }[])[0]?.message.content).toBe(
      simCompletion(messages, undefined, { seed: 7 }).text,
    );
  });

  it("when model is absent, then it says gpt-3.5-turbo", async () => {
    const { url } = await start();
    const body = (await (await postJson(`${url}/v1/chat/completions`, { messages })).json()) as { model: string };
    expect(body.model).toBe("gpt-3.5-turbo");
  });

  it("when max_tokens is ill-typed or unknown fields come, then they are ignored and generation is unlimited (natural length)", async () => {
    const { url } = await start({ naturalTokens: 12 });
    for (const extra of [
      { max_tokens: "abc" },
      { max_completion_tokens: "3" },
      { logit_bias: { "42": -100 }, top_k: 5, mirostat: 2 },
      {},
    ]) {
      const body = (await (await postJson(`${url}/v1/chat/completions`, { messages, ...extra, foo: 1 })).json()) as {
        usage: { completion_tokens: number };
        choices: { finish_reason: string }[];
      };
      expect(body.usage.completion_tokens).toBe(12);
      expect(body.choices[0]?.finish_reason).toBe("stop");
    }
  });

  it("when max_completion_tokens is given, then newer builds obey it (below n_predict, above max_tokens) and b4748 ignores it", async () => {
    let { url } = await start({ naturalTokens: 12 });
    const ask = async (body: object) =>
      ((await (await postJson(`${url}/v1/chat/completions`, { messages, ...body })).json()) as { usage: { completion_tokens: number } })
        .usage.completion_tokens;
    expect(await ask({ max_completion_tokens: 3 })).toBe(3);
    expect(await ask({ max_completion_tokens: 3, max_tokens: 9 })).toBe(3);
    expect(await ask({ max_completion_tokens: 3, n_predict: 2 })).toBe(2);
    ({ url } = await start({ naturalTokens: 12, toolsMode: "legacy" }));
    expect(await ask({ max_completion_tokens: 3 })).toBe(12);
  });

  it("when n_predict is given, then it wins over max_tokens", async () => {
    const { url } = await start();
    const body = (await (await postJson(`${url}/v1/chat/completions`, { messages, n_predict: 2, max_tokens: 9 })).json()) as {
      usage: { completion_tokens: number };
    };
    expect(body.usage.completion_tokens).toBe(2);
  });

  it("when the prompt is longer than the context, then prompt_tokens is silently truncated and the answer is 200", async () => {
    const { url } = await start({ nCtx: 256 });
    const long = [{ role: "user", content: "story ".repeat(1000) }];
    const res = await postJson(`${url}/v1/chat/completions`, { messages: long, max_tokens: 4 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { prompt_tokens: number } };
    expect(body.usage.prompt_tokens).toBe(simPromptTokens(long, 256));
    expect(body.usage.prompt_tokens).toBeLessThan(256);
  });

  it("when content is an array of text parts, then it counts as their text", async () => {
    const { url } = await start();
    const parts = [{ role: "user", content: [{ type: "text", text: "Tell me about a girl and a ball." }] }];
    const body = (await (await postJson(`${url}/v1/chat/completions`, { messages: parts, max_tokens: 3 })).json()) as {
      usage: { prompt_tokens: number };
    };
    expect(body.usage.prompt_tokens).toBe(simPromptTokens([{ role: "user", content: "Tell me about a girl and a ball." }]));
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["missing messages", { model: "x" }],
    ["messages not an array", { messages: "hi" }],
    ["n > 1", { messages, n: 2 }],
    ["an image part", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }],
  ])("when the request has %s, then it answers 500 with llama-server's error body", async (_name, body) => {
    const { url } = await start();
    const res = await postJson(`${url}/v1/chat/completions`, body);
    expect(res.status).toBe(500);
    const error = (await res.json()) as { error: { code: number; message: string; type: string } };
    expect(error).toEqual({ error: { code: 500, message: expect.any(String), type: "server_error" } });
  });

  it("when the simulator is embeddings-only, then chat answers 501", async () => {
    const { url } = await start({ embeddingsOnly: true });
    const res = await postJson(`${url}/v1/chat/completions`, { messages });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("not_supported_error");
  });
});

describe("POST /v1/chat/completions, stream", () => {
  it("when streaming, then each event is one data line, with no role chunk, usage on the finish chunk, then [DONE]", async () => {
    const { url } = await start();
    const res = await postJson(`${url}/v1/chat/completions`, { messages, stream: true, max_tokens: 6, model: "m" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = parseSse(await res.text());
    expect(events.every((e) => e.field === "data")).toBe(true);
    expect(events.at(-1)?.value).toBe("[DONE]");
    const chunks = dataChunks(events);
    const expected = simCompletion(messages, 6);
    const deltas = chunks.slice(0, -1).map((c) => (c.choices as { delta: { content?: string; role?: string } }[])[0]?.delta);
    expect(deltas.map((d) => d?.content)).toEqual(expected.tokens);
    expect(deltas.some((d) => d?.role !== undefined)).toBe(false);
    const promptTokens = simPromptTokens(messages);
    expect(chunks.at(-1)).toMatchObject({
      choices: [{ finish_reason: "length", index: 0, delta: {} }],
      object: "chat.completion.chunk",
      model: "m",
      usage: { completion_tokens: 6, prompt_tokens: promptTokens, total_tokens: promptTokens + 6 },
      timings: { predicted_n: 6 },
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.at(-1)?.system_fingerprint).toBe("b0-unknown");
  });

  it("when usageMode is separate-chunk and include_usage is asked, then usage comes alone with choices []", async () => {
    const { url } = await start({ usageMode: "separate-chunk" });
    const res = await postJson(`${url}/v1/chat/completions`, {
      messages,
      stream: true,
      max_tokens: 3,
      stream_options: { include_usage: true },
    });
    const chunks = dataChunks(parseSse(await res.text()));
    expect(chunks).toHaveLength(5);
    expect(chunks[3]).toMatchObject({ choices: [{ finish_reason: "length", delta: {} }] });
    expect(chunks[3]).not.toHaveProperty("usage");
    expect(chunks[4]).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it("when usageMode is separate-chunk and include_usage is not asked, then no chunk has usage", async () => {
    const { url } = await start({ usageMode: "separate-chunk" });
    const res = await postJson(`${url}/v1/chat/completions`, { messages, stream: true, max_tokens: 3 });
    const chunks = dataChunks(parseSse(await res.text()));
    expect(chunks).toHaveLength(4);
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });

  it("when tokens are spaced in time, then they arrive spread over time, not in one piece", async () => {
    const { url } = await start({ ttftMs: 20, interTokenMs: 10 });
    const started = Date.now();
    const res = await postJson(`${url}/v1/chat/completions`, { messages, stream: true, max_tokens: 5 });
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
    }
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(30);
  });
});
