import { describe, expect, it } from "vitest";
import { simCompletion, simTokenize } from "./index.ts";
import { dataChunks, parseSse, postJson, useSims } from "./test-client.ts";

const start = useSims();
const messages = [{ role: "user", content: "Tell me a story" }];

async function ask(url: string, body: object) {
  const res = await postJson(`${url}/v1/chat/completions`, { messages, ...body });
  const json = (await res.json()) as {
    choices: { finish_reason: string; message: { content: string } }[];
    usage: { completion_tokens: number };
  };
  return { content: json.choices[0]?.message.content ?? "", finish: json.choices[0]?.finish_reason, tokens: json.usage.completion_tokens };
}

describe("sampling fields", () => {
  it("when native sampling fields and small logit biases come, then they are accepted and change nothing", async () => {
    const { url } = await start();
    const native = {
      top_k: 5,
      min_p: 0.1,
      typical_p: 0.9,
      repeat_penalty: 1.1,
      repeat_last_n: 64,
      mirostat: 2,
      mirostat_tau: 5,
      mirostat_eta: 0.1,
      dynatemp_range: 0.5,
      samplers: ["top_k", "temperature"],
      cache_prompt: false,
      id_slot: 0,
      logit_bias: [[15, -2]],
      presence_penalty: 0.5,
    };
    expect((await ask(url, { max_tokens: 5, ...native })).content).toBe(simCompletion(messages, 5).text);
  });

  it("when a stop string appears, then the text ends before it, the token that completed it still counted, finish_reason stop", async () => {
    const { url } = await start();
    const story = simCompletion(messages, undefined);
    const word = story.tokens[3]!.trim();
    const at = story.text.indexOf(word);
    const reply = await ask(url, { stop: word });
    expect(reply).toEqual({ content: story.text.slice(0, at), finish: "stop", tokens: 4 });
    expect(await ask(url, { stop: ["never said", word] })).toEqual(reply);
    expect((await ask(url, { stop: ["never said"] })).content).toBe(story.text);
  });

  it("when a stop string appears in a stream, then the chunks join into the same cut text", async () => {
    const { url } = await start();
    const word = simCompletion(messages, undefined).tokens[3]!.trim();
    const whole = await ask(url, { stop: word });
    const res = await postJson(`${url}/v1/chat/completions`, { messages, stop: word, stream: true });
    const chunks = dataChunks(parseSse(await res.text()));
    const text = chunks.map((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content ?? "").join("");
    expect(text).toBe(whole.content);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: "stop" }], usage: { completion_tokens: 4 } });
  });

  it("when logit_bias boosts a token by 10 or more, then it is the only one said, as [[403,100]] makes the real model repeat it", async () => {
    const { url } = await start();
    const [id] = simTokenize(" Once");
    const boosted = await ask(url, { max_tokens: 3, logit_bias: [[id, 100]] });
    expect(boosted.content).toBe(" Once Once Once");
    expect(await ask(url, { max_tokens: 3, logit_bias: [[" Once", 100]] })).toEqual(boosted);
    expect((await ask(url, { max_tokens: 3, logit_bias: { [String(id)]: 100 } })).content).toBe(" Once Once Once");
  });

  it("when toolsMode is legacy, then OpenAI's object form of logit_bias is ignored, as b4748 reads only [[id, bias]]", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const [id] = simTokenize(" Once");
    expect((await ask(url, { max_tokens: 3, logit_bias: { [String(id)]: 100 } })).content).toBe(simCompletion(messages, 3).text);
    expect((await ask(url, { max_tokens: 3, logit_bias: [[id, 100]] })).content).toBe(" Once Once Once");
  });

  it("when logit_bias bans tokens (-100 or false), then they are never said", async () => {
    const { url } = await start();
    const story = simCompletion(messages, 8);
    const banned = [...new Set(story.tokens.slice(0, 4))];
    const bias = banned.map((t, i) => [simTokenize(t)[0], i % 2 === 0 ? -100 : false]);
    const reply = await ask(url, { max_tokens: 8, logit_bias: bias });
    expect(reply.tokens).toBe(8);
    const said = reply.content.match(/ ?[A-Za-z]+|[^ A-Za-z]/g) ?? [];
    expect(said.some((t) => banned.includes(t))).toBe(false);
  });
});
