import { describe, expect, it } from "vitest";
import { simCompletion } from "./index.ts";
import { dataChunks, parseSse, postJson, useSims } from "./test-client.ts";

const start = useSims();
const messages = [{ role: "user", content: "Tell me about Lily" }];
const person = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 3 },
    pets: { type: "array", items: { type: "string" }, minItems: 1 },
  },
  required: ["name", "age", "pets"],
};

interface Reply {
  status: number;
  content: string;
  finish: string;
  error: string | undefined;
}

async function ask(url: string, body: object): Promise<Reply> {
  const res = await postJson(`${url}/v1/chat/completions`, { messages, ...body });
  const json = (await res.json()) as { choices?: { finish_reason: string; message: { content: string } }[]; error?: { message: string } };
  const choice = json.choices?.[0];
  return { status: res.status, content: choice?.message.content ?? "", finish: choice?.finish_reason ?? "", error: json.error?.message };
}

describe("structured output", () => {
  it("when response_format is json_object, then the content is a JSON object carrying the story", async () => {
    const { url } = await start();
    const reply = await ask(url, { response_format: { type: "json_object" } });
    expect(reply.finish).toBe("stop");
    expect(JSON.parse(reply.content)).toEqual({ text: simCompletion(messages, undefined).text.trim() });
  });

  it("when response_format is json_schema, then the content is valid for the schema, and the same each time", async () => {
    const { url } = await start();
    const body = { response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema: person } } };
    const reply = await ask(url, body);
    expect(JSON.parse(reply.content)).toEqual({ name: expect.stringMatching(/^[A-Za-z]+$/), age: 3, pets: [expect.any(String)] });
    expect((await ask(url, body)).content).toBe(reply.content);
  });

  it("when the native json_schema field is given, then it constrains the output like response_format does", async () => {
    const { url } = await start();
    const native = await ask(url, { json_schema: person });
    expect(native.content).toBe((await ask(url, { response_format: { type: "json_schema", json_schema: { schema: person } } })).content);
    expect((await ask(url, { response_format: { type: "json_object", schema: person } })).content).toBe(native.content);
  });

  it("when max_tokens cuts the JSON, then finish_reason is length and the JSON is incomplete", async () => {
    const { url } = await start();
    const reply = await ask(url, { response_format: { type: "json_object" }, max_tokens: 5 });
    expect(reply.finish).toBe("length");
    expect(reply.content).toBe('{"text":');
    expect(() => JSON.parse(reply.content) as unknown).toThrow();
  });

  it("when JSON streams, then it comes one token per chunk and joins into the non-stream content", async () => {
    const { url } = await start();
    const body = { response_format: { type: "json_schema", json_schema: { schema: person } } };
    const whole = await ask(url, body);
    const res = await postJson(`${url}/v1/chat/completions`, { messages, ...body, stream: true });
    const chunks = dataChunks(parseSse(await res.text()));
    const pieces = chunks.slice(0, -1).map((c) => (c.choices as { delta: { content: string } }[])[0]?.delta.content);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join("")).toBe(whole.content);
  });

  it("when response_format is text or a grammar is given, then the answer is the plain story", async () => {
    const { url } = await start();
    const story = simCompletion(messages, undefined).text;
    expect((await ask(url, { response_format: { type: "text" } })).content).toBe(story);
    expect((await ask(url, { grammar: 'root ::= "yes" | "no"' })).content).toBe(story);
  });

  it("when toolsMode is legacy, then json_schema's schema is dropped as build b4748 drops it, and json_object still holds", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const reply = await ask(url, { response_format: { type: "json_schema", json_schema: { schema: person } } });
    expect(reply.content).toBe(simCompletion(messages, undefined).text);
    expect(JSON.parse((await ask(url, { response_format: { type: "json_object" } })).content)).toHaveProperty("text");
  });

  it("when json_schema and grammar come together or the type is unknown, then it is refused as each build refuses it", async () => {
    const { url } = await start();
    expect(await ask(url, { json_schema: person, grammar: "root ::= x" })).toMatchObject({
      status: 500,
      error: "Cannot use both json_schema and grammar",
    });
    const message = 'response_format type must be one of "text" or "json_object", but got: yaml';
    expect(await ask(url, { response_format: { type: "yaml" } })).toMatchObject({ status: 400, error: message });
    const legacy = await start({ toolsMode: "legacy" });
    expect(await ask(legacy.url, { response_format: { type: "yaml" } })).toMatchObject({ status: 500, error: message });
  });
});
