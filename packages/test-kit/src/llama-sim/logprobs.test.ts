import { describe, expect, it } from "vitest";
import { simCompletion, simTokenize } from "./index.ts";
import type { LogprobEntry } from "./index.ts";
import { dataChunks, parseSse, postJson, useSims } from "./test-client.ts";

const start = useSims();
const messages = [{ role: "user", content: "Tell me a story" }];

interface Body {
  choices: {
    message: { content: string | null; tool_calls?: { function: { arguments: string } }[] };
    logprobs?: { content: LogprobEntry[] };
  }[];
  error?: { message: string };
}

async function ask(url: string, body: object): Promise<{ status: number; body: Body }> {
  const res = await postJson(`${url}/v1/chat/completions`, { messages, max_tokens: 6, ...body });
  return { status: res.status, body: (await res.json()) as Body };
}

describe("logprobs", () => {
  it("when logprobs and top_logprobs 3 are asked, then each token has its id, text, bytes, logprob <= 0 and 3 alternatives, itself first", async () => {
    const { url } = await start();
    const { body } = await ask(url, { logprobs: true, top_logprobs: 3 });
    const content = body.choices[0]?.logprobs?.content ?? [];
    expect(content.map((e) => e.token)).toEqual(simCompletion(messages, 6).tokens);
    for (const entry of content) {
      expect(entry.id).toBe(simTokenize(entry.token)[0]);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]).toEqual({ id: entry.id, token: entry.token, bytes: entry.bytes, logprob: entry.logprob });
      const values = entry.top_logprobs.map((t) => t.logprob);
      expect([...values].sort((a, b) => b - a)).toEqual(values);
      expect(values.reduce((p, l) => p + Math.exp(l), 0)).toBeLessThanOrEqual(1);
    }
    expect((await ask(url, { logprobs: true, top_logprobs: 3 })).body.choices[0]?.logprobs).toEqual(body.choices[0]?.logprobs);
  });

  it("when logprobs is true without top_logprobs, then each token carries 20, llama-server's default", async () => {
    const { url } = await start();
    const { body } = await ask(url, { logprobs: true });
    expect(body.choices[0]?.logprobs?.content[0]?.top_logprobs).toHaveLength(20);
  });

  it("when native n_probs is given alone, then it works as top_logprobs; and without either there is no logprobs field", async () => {
    const { url } = await start();
    expect((await ask(url, { n_probs: 2 })).body.choices[0]?.logprobs?.content[0]?.top_logprobs).toHaveLength(2);
    expect((await ask(url, {})).body.choices[0]).not.toHaveProperty("logprobs");
    expect((await ask(url, { logprobs: false })).body.choices[0]).not.toHaveProperty("logprobs");
  });

  it("when post_sampling_probs is true, then entries carry prob and top_probs, the probabilities of the same values", async () => {
    const { url } = await start();
    const logs = (await ask(url, { logprobs: true, top_logprobs: 2 })).body.choices[0]?.logprobs?.content[0];
    const probs = (await ask(url, { logprobs: true, top_logprobs: 2, post_sampling_probs: true })).body.choices[0]?.logprobs
      ?.content[0] as unknown as {
      prob: number;
      top_probs: { prob: number }[];
    };
    expect(probs).not.toHaveProperty("logprob");
    expect(probs.prob).toBeCloseTo(Math.exp(logs!.logprob), 5);
    expect(probs.top_probs.map((t) => t.prob)).toEqual(logs!.top_logprobs.map((t) => expect.closeTo(Math.exp(t.logprob), 5) as number));
  });

  it("when top_logprobs comes without logprobs, then it is refused (400 newer, 500 on b4748)", async () => {
    const message = "top_logprobs requires logprobs to be set to true";
    const newer = await ask((await start()).url, { top_logprobs: 2 });
    expect(newer).toMatchObject({ status: 400, body: { error: { message } } });
    const legacy = await ask((await start({ toolsMode: "legacy" })).url, { top_logprobs: 2 });
    expect(legacy).toMatchObject({ status: 500, body: { error: { message } } });
  });

  it("when streaming with logprobs, then each chunk's choice carries its token's entry, the same as non-stream", async () => {
    const { url } = await start();
    const whole = (await ask(url, { logprobs: true, top_logprobs: 2 })).body.choices[0]?.logprobs?.content;
    const res = await postJson(`${url}/v1/chat/completions`, { messages, max_tokens: 6, logprobs: true, top_logprobs: 2, stream: true });
    const chunks = dataChunks(parseSse(await res.text())).slice(0, -1);
    const entries = chunks.map((c) => (c.choices as { logprobs: { content: LogprobEntry[] } }[])[0]?.logprobs.content);
    expect(entries.every((e) => e?.length === 1)).toBe(true);
    expect(entries.map((e) => e?.[0])).toEqual(whole);
  });

  it("when a tool call is made with logprobs, then the entries cover its argument tokens; streaming that is refused", async () => {
    const { url } = await start();
    const tools = [
      { type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } }, required: ["a"] } } },
    ];
    const body = { tools, tool_choice: "required", logprobs: true, top_logprobs: 1 };
    const { body: reply } = await ask(url, body);
    const args = reply.choices[0]?.message.tool_calls?.[0]?.function.arguments;
    expect(reply.choices[0]?.logprobs?.content.map((e) => e.token).join("")).toBe(args);
    expect(await ask(url, { ...body, stream: true })).toMatchObject({
      status: 400,
      body: { error: { message: "logprobs is not supported with tools + stream" } },
    });
  });
});
