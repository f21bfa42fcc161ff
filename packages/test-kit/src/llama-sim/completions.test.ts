import { describe, expect, it } from "vitest";
import { simTextCompletion, simTokenize, type LogprobEntry } from "./index.ts";
import { dataChunks, parseSse, postJson, useSims } from "./test-client.ts";

const start = useSims();
const prompt = "Once upon a time";

interface Choice {
  text: string;
  index: number;
  logprobs: { content: LogprobEntry[] } | null;
  finish_reason: string | null;
}
interface Completion {
  choices: Choice[];
  object: string;
  id: string;
  model: string;
  usage: { completion_tokens: number; prompt_tokens: number; total_tokens: number };
  error?: { message: string };
}

async function complete(url: string, body: object, path = "/v1/completions"): Promise<{ status: number; body: unknown }> {
  const res = await postJson(`${url}${path}`, body);
  return { status: res.status, body: await res.json() };
}

async function stream(url: string, body: object, path = "/v1/completions") {
  const res = await postJson(`${url}${path}`, { ...body, stream: true });
  return parseSse(await res.text());
}

describe("POST /v1/completions", () => {
  it("when the prompt is a string, then it answers one text_completion whose text continues the story from it", async () => {
    const { url } = await start();
    const { status, body } = await complete(url, { model: "m", prompt, max_tokens: 4 });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      choices: [{ text: simTextCompletion(prompt, 4).text, index: 0, logprobs: null, finish_reason: "length" }],
      model: "m",
      system_fingerprint: "b0-unknown",
      object: "text_completion",
      usage: { completion_tokens: 4, prompt_tokens: 1 + simTokenize(prompt).length, total_tokens: 5 + 4 },
      timings: { predicted_n: 4 },
    });
    expect((body as Completion).id).toMatch(/^chatcmpl-[A-Za-z0-9]{32}$/);
    const natural = (await complete(url, { prompt, seed: 3 })).body as Completion;
    expect(natural.choices[0]).toMatchObject({ text: simTextCompletion(prompt, undefined, { seed: 3 }).text, finish_reason: "stop" });
  });

  it("when the prompt is an array of strings, then it answers a JSON array of whole completions, one per prompt", async () => {
    const { url } = await start();
    const body = (await complete(url, { prompt: [prompt, "The dog"], max_tokens: 3 })).body as Completion[];
    expect(body).toHaveLength(2);
    expect(body.map((c) => c.choices[0]?.index)).toEqual([0, 1]);
    expect(body.map((c) => c.choices[0]?.text)).toEqual([simTextCompletion(prompt, 3).text, simTextCompletion("The dog", 3).text]);
    expect(body.map((c) => c.usage.prompt_tokens)).toEqual([5, 3]);
    expect(body[0]?.id).toBe(body[1]?.id);
  });

  it("when the prompt is token ids, then they are the prompt as they are, without BOS", async () => {
    const { url } = await start();
    const body = (await complete(url, { prompt: [403, 407, 261, 378], max_tokens: 2 })).body as Completion;
    expect(body.usage.prompt_tokens).toBe(4);
    expect(body.choices[0]?.text).toEqual(expect.any(String));
  });

  it("when streaming, then each token is a text_completion chunk and the last one has empty text, finish_reason and usage", async () => {
    const { url } = await start();
    const events = await stream(url, { prompt, max_tokens: 4 });
    expect(events.at(-1)).toEqual({ field: "data", value: "[DONE]" });
    const chunks = dataChunks(events) as unknown as Completion[];
    expect(chunks.slice(0, -1).map((c) => c.choices[0]?.text)).toEqual(simTextCompletion(prompt, 4).tokens);
    expect(chunks.slice(0, -1).every((c) => c.object === "text_completion" && c.choices[0]?.finish_reason === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [{ text: "", index: 0, logprobs: null, finish_reason: "length" }],
      usage: { completion_tokens: 4 },
    });
  });

  it("when several prompts stream, then their chunks interleave by index, each prompt has its closing chunk, then one [DONE]", async () => {
    const { url } = await start();
    const events = await stream(url, { prompt: [prompt, "The dog"], max_tokens: 2 });
    expect(events.filter((e) => e.value === "[DONE]")).toHaveLength(1);
    const chunks = dataChunks(events) as unknown as Completion[];
    expect(chunks.map((c) => c.choices[0]?.index)).toEqual([0, 1, 0, 0, 1, 1]);
    expect(chunks.filter((c) => c.usage !== undefined).map((c) => c.choices[0]?.finish_reason)).toEqual(["length", "length"]);
  });

  it("when logprobs is a count, then choices carry llama-server's chat-shaped logprobs, streamed per chunk too", async () => {
    const { url } = await start();
    const body = (await complete(url, { prompt, max_tokens: 2, logprobs: 2 })).body as Completion;
    const content = body.choices[0]?.logprobs?.content ?? [];
    expect(content.map((e) => e.token).join("")).toBe(body.choices[0]?.text);
    expect(content.every((e) => e.top_logprobs.length === 2 && e.logprob <= 0)).toBe(true);
    const chunks = dataChunks(await stream(url, { prompt, max_tokens: 2, logprobs: 2 })) as unknown as Completion[];
    expect(chunks.slice(0, -1).map((c) => c.choices[0]?.logprobs?.content[0])).toEqual(content);
    expect(chunks.at(-1)?.choices[0]?.logprobs).toBeNull();
  });

  it("when a stop string comes, then the text ends before it with finish_reason stop", async () => {
    const { url } = await start();
    const story = simTextCompletion(prompt, undefined);
    const word = story.tokens[2]!.trim();
    const body = (await complete(url, { prompt, stop: [word] })).body as Completion;
    expect(body.choices[0]).toMatchObject({ text: story.text.slice(0, story.text.indexOf(word)), finish_reason: "stop" });
  });

  it.each([
    ["no prompt", {}, 500, '"prompt" is required'],
    ["n 2", { prompt, n: 2 }, 500, "Only one completion choice is allowed"],
    ["echo true", { prompt, echo: true }, 500, "Only no echo is supported"],
    ["suffix", { prompt, suffix: "The end." }, 500, "Unsupported param: suffix"],
    ["an object prompt", { prompt: { a: 1 } }, 400, expect.stringContaining('"prompt" must be')],
  ])("when the request has %s, then it is refused as llama-server refuses it", async (_name, body, status, message) => {
    const { url } = await start();
    expect(await complete(url, body)).toEqual({ status, body: { error: { code: status, message, type: expect.any(String) } } });
  });

  it("when toolsMode is legacy, then echo is refused even when false, as build b4748 refuses it", async () => {
    expect((await complete((await start()).url, { prompt, echo: false, max_tokens: 1 })).status).toBe(200);
    const legacy = await complete((await start({ toolsMode: "legacy" })).url, { prompt, echo: false });
    expect(legacy).toMatchObject({ status: 500, body: { error: { message: "Unsupported param: echo" } } });
  });

  it("when the simulator is embeddings-only, then completions answer 501", async () => {
    const { url } = await start({ embeddingsOnly: true });
    expect((await complete(url, { prompt })).status).toBe(501);
  });
});

describe("POST /completion (llama's own format)", () => {
  it("when asked, then it answers content, tokens_predicted, tokens_evaluated and stop_type", async () => {
    const { url } = await start();
    for (const path of ["/completion", "/completions"]) {
      const { status, body } = await complete(url, { prompt, n_predict: 3 }, path);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        index: 0,
        content: simTextCompletion(prompt, 3).text,
        tokens: [],
        stop: true,
        model: "gpt-3.5-turbo",
        tokens_predicted: 3,
        tokens_evaluated: 5,
        prompt: `<s> ${prompt}`,
        truncated: false,
        stop_type: "limit",
        stopping_word: "",
        timings: { predicted_n: 3 },
      });
    }
    expect(((await complete(url, { prompt }, "/completion")).body as { stop_type: string }).stop_type).toBe("eos");
  });

  it("when it streams, then each token is a content chunk with stop false, the last stop true, and no [DONE]", async () => {
    const { url } = await start();
    const events = await stream(url, { prompt, n_predict: 3 }, "/completion");
    expect(events.some((e) => e.value === "[DONE]")).toBe(false);
    const chunks = dataChunks(events) as { content: string; stop: boolean; tokens_predicted: number }[];
    expect(chunks.slice(0, -1).map((c) => c.content)).toEqual(simTextCompletion(prompt, 3).tokens);
    expect(chunks.slice(0, -1).map((c) => c.tokens_predicted)).toEqual([1, 2, 3]);
    expect(chunks.at(-1)).toMatchObject({ content: "", stop: true, stop_type: "limit" });
  });
});
