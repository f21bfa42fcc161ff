import { describe, expect, it } from "vitest";
import { simPromptTokens } from "./index.ts";
import { simPieces } from "./sim-tokenize.ts";
import { dataChunks, parseSse, postJson, useSims, waitFor } from "./test-client.ts";

const start = useSims();

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { enum: ["c", "f"] }, days: { type: "integer", minimum: 1 } },
      required: ["city", "unit", "days"],
    },
  },
};
const clock = { type: "function", function: { name: "get_time", description: "The time", parameters: { type: "object", properties: {} } } };
const ask = (content: string) => [{ role: "user", content }];

interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}
interface ChatBody {
  choices: { finish_reason: string; message: { role: string; content: string | null; tool_calls?: ToolCall[] } }[];
  usage: { completion_tokens: number; prompt_tokens: number };
}

async function chat(url: string, body: object): Promise<{ status: number; body: ChatBody & { error?: { message: string } } }> {
  const res = await postJson(`${url}/v1/chat/completions`, body);
  return { status: res.status, body: (await res.json()) as ChatBody & { error?: { message: string } } };
}

describe("tools, non-stream", () => {
  it("when tool_choice is required, then the answer is one call with schema-valid arguments, content null, finish_reason tool_calls", async () => {
    const { url } = await start();
    const { status, body } = await chat(url, { messages: ask("Hello there"), tools: [weather], tool_choice: "required" });
    expect(status).toBe(200);
    const choice = body.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call.id).toMatch(/^[A-Za-z0-9]{32}$/);
    const args = JSON.parse(call.function.arguments) as { city: string; unit: string; days: number };
    expect(args).toEqual({ city: expect.stringMatching(/^[A-Za-z]+$/), unit: "c", days: 1 });
    expect(body.usage.completion_tokens).toBe(simPieces(call.function.arguments).length);
  });

  it("when tool_choice is auto and the user names a tool or says tool, then it calls it, and otherwise it answers text", async () => {
    const { url } = await start();
    const tools = [clock, weather];
    const named = await chat(url, { messages: ask("What is GET_WEATHER in Paris?"), tools });
    expect(named.body.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual(["get_weather"]);
    const word = await chat(url, { messages: ask("Use a tool please"), tools });
    expect(word.body.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual(["get_time"]);
    const plain = await chat(url, { messages: ask("Tell me a story"), tools });
    expect(plain.body.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: expect.any(String) } });
    expect(plain.body.choices[0]?.message).not.toHaveProperty("tool_calls");
    const none = await chat(url, { messages: ask("get_weather now"), tools, tool_choice: "none" });
    expect(none.body.choices[0]?.message).not.toHaveProperty("tool_calls");
  });

  it("when tool_choice names a function, then it acts as auto, as llama-server reads only a string there", async () => {
    const { url } = await start();
    const choice = { type: "function", function: { name: "get_weather" } };
    const plain = await chat(url, { messages: ask("Tell me a story"), tools: [weather], tool_choice: choice });
    expect(plain.body.choices[0]?.finish_reason).toBe("stop");
    const named = await chat(url, { messages: ask("get_weather for Rome"), tools: [weather], tool_choice: choice });
    expect(named.body.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("when parallel_tool_calls is true and two tools are named, then both are called, else only the first", async () => {
    const { url } = await start();
    const messages = ask("get_weather and get_time");
    const both = await chat(url, { messages, tools: [weather, clock], tool_choice: "required", parallel_tool_calls: true });
    expect(both.body.choices[0]?.message.tool_calls?.map((c) => c.function.name)).toEqual(["get_weather", "get_time"]);
    expect(both.body.choices[0]?.message.tool_calls?.[1]?.function.arguments).toBe("{}");
    const one = await chat(url, { messages, tools: [weather, clock], tool_choice: "required" });
    expect(one.body.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it("when tools are given, then their JSON counts in the prompt, with any tool_choice, and tools [] counts nothing", async () => {
    const { url } = await start();
    const messages = ask("Tell me a story");
    const plain = (await chat(url, { messages })).body.usage.prompt_tokens;
    const none = (await chat(url, { messages, tools: [weather], tool_choice: "none" })).body.usage.prompt_tokens;
    expect(none).toBe(simPromptTokens(messages, undefined, [weather]));
    expect(none).toBeGreaterThan(plain + 20);
    expect((await chat(url, { messages, tools: [] })).body.usage.prompt_tokens).toBe(plain);
  });

  it("when the tool result comes back, then it answers in text, counting the call and the result in the prompt", async () => {
    const { url } = await start();
    const first = await chat(url, { messages: ask("get_weather in Oslo"), tools: [weather] });
    const call = first.body.choices[0]!.message.tool_calls![0]!;
    const messages = [
      ...ask("get_weather in Oslo"),
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: call.id, content: '{"temp": 3}' },
    ];
    const second = await chat(url, { messages, tools: [weather] });
    expect(second.status).toBe(200);
    expect(second.body.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: expect.any(String) } });
    expect(second.body.usage.prompt_tokens).toBe(simPromptTokens(messages, undefined, [weather]));
    expect(simPromptTokens(messages)).toBeGreaterThan(
      simPromptTokens([...ask("get_weather in Oslo"), { role: "tool", content: '{"temp": 3}' }]),
    );
  });

  it("when max_tokens cuts the call, then finish_reason is length with partial arguments (b4748: the raw text as content)", async () => {
    const { url } = await start();
    const body = { messages: ask("x"), tools: [weather], tool_choice: "required", max_tokens: 4 };
    const cut = (await chat(url, body)).body.choices[0]!;
    expect(cut.finish_reason).toBe("length");
    expect(cut.message.tool_calls?.[0]?.function.arguments).toBe('{"city"');
    const legacy = (await chat((await start({ toolsMode: "legacy" })).url, body)).body.choices[0]!;
    expect(legacy).toMatchObject({ finish_reason: "length", message: { content: '{"tool_' } });
    expect(legacy.message).not.toHaveProperty("tool_calls");
  });

  it("when toolsMode is legacy, then the model writes the Generic format's wrapper and usage counts all of it", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const { body } = await chat(url, { messages: ask("x"), tools: [weather], tool_choice: "required" });
    const call = body.choices[0]!.message.tool_calls![0]!;
    const wrapper = JSON.stringify({ tool_call: { name: "get_weather", arguments: JSON.parse(call.function.arguments) as unknown } });
    expect(body.usage.completion_tokens).toBe(simPieces(wrapper).length);
  });

  it.each([
    ["tools not an array", { tools: { a: 1 } }, /^Failed to parse tools: Expected 'tools' to be an array, got \{"a":1\}; tools = /],
    ["a tool without type", { tools: [{ function: {} }] }, /^Failed to parse tools: Missing tool type: \{"function":\{\}\}/],
    ["a tool of another type", { tools: [{ type: "retrieval" }] }, /^Failed to parse tools: Unsupported tool type: /],
    ["a function without name", { tools: [{ type: "function", function: {} }] }, /key 'name' not found/],
    ["an unknown tool_choice", { tools: [weather], tool_choice: "sometimes" }, /^Invalid tool_choice: sometimes$/],
    ["grammar with tools", { tools: [weather], grammar: "root ::= x" }, /^Cannot use custom grammar constraints with tools\.$/],
  ])("when the request has %s, then it is refused with llama-server's message", async (_name, extra, message) => {
    const { url } = await start();
    const { status, body } = await chat(url, { messages: ask("hi"), ...extra });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error?.message).toMatch(message);
  });
});

describe("tools, legacy build and --jinja", () => {
  it("when toolsMode is legacy, then tools with stream is a 500 Cannot use tools with stream", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const { status, body } = await chat(url, { messages: ask("hi"), tools: [weather], stream: true });
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 500, message: "Cannot use tools with stream", type: "server_error" } });
  });

  it("when toolsMode is legacy and a function has no description, then it is b4748's 500 quoting the tools", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const tools = [{ type: "function", function: { name: "f", parameters: {} } }];
    const { status, body } = await chat(url, { messages: ask("hi"), tools });
    expect(status).toBe(500);
    expect(body.error?.message).toBe(
      `Failed to parse tools: [json.exception.out_of_range.403] key 'description' not found; tools = ${JSON.stringify(tools, null, 2)}`,
    );
    expect((await chat((await start()).url, { messages: ask("hi"), tools })).status).toBe(200);
  });

  it("when toolsMode is legacy, then a call's id is empty", async () => {
    const { url } = await start({ toolsMode: "legacy" });
    const { body } = await chat(url, { messages: ask("hi"), tools: [weather], tool_choice: "required" });
    expect(body.choices[0]?.message.tool_calls?.[0]?.id).toBe("");
  });

  it("when the server runs without --jinja, then tools and tool_choice are refused as each build words it", async () => {
    let { url } = await start({ jinja: false });
    expect((await chat(url, { messages: ask("hi"), tools: [weather] })).body.error?.message).toBe("tools param requires --jinja flag");
    expect((await chat(url, { messages: ask("hi"), tool_choice: "required" })).body.error?.message).toBe(
      "tool_choice param requires --jinja flag",
    );
    expect((await chat(url, { messages: ask("hi"), tool_choice: "auto" })).status).toBe(200);
    ({ url } = await start({ jinja: false, toolsMode: "legacy" }));
    expect((await chat(url, { messages: ask("hi"), tool_choice: "auto" })).body.error?.message).toBe("Unsupported param: tool_choice");
  });
});

describe("tools, stream", () => {
  type Delta = { tool_calls?: { index: number; id?: string; type?: string; function: { name?: string; arguments: string } }[] };

  function reassemble(chunks: Record<string, unknown>[]): { calls: { id: string; name: string; arguments: string }[]; deltas: Delta[] } {
    const deltas = chunks.map((c) => (c.choices as { delta: Delta }[])[0]?.delta).filter((d): d is Delta => d?.tool_calls !== undefined);
    const calls: { id: string; name: string; arguments: string }[] = [];
    for (const d of deltas) {
      for (const t of d.tool_calls ?? []) {
        if (t.id !== undefined) calls[t.index] = { id: t.id, name: t.function.name ?? "", arguments: "" };
        calls[t.index]!.arguments += t.function.arguments;
      }
    }
    return { calls, deltas };
  }

  it("when a tool call streams, then OpenAI's deltas reassemble into the very call the non-stream answer makes", async () => {
    const { url } = await start({ usageMode: "separate-chunk" });
    const body = { messages: ask("get_weather and get_time"), tools: [weather, clock], tool_choice: "required", parallel_tool_calls: true };
    const whole = (await chat(url, body)).body;
    const res = await postJson(`${url}/v1/chat/completions`, { ...body, stream: true, stream_options: { include_usage: true } });
    const chunks = dataChunks(parseSse(await res.text()));
    const { calls, deltas } = reassemble(chunks);
    const expected = whole.choices[0]!.message.tool_calls!;
    expect(calls.map(({ name, arguments: a }) => ({ name, arguments: a }))).toEqual(expected.map((c) => c.function));
    expect(calls.every((c) => /^[A-Za-z0-9]{32}$/.test(c.id))).toBe(true);
    expect(deltas[0]?.tool_calls?.[0]).toEqual({
      index: 0,
      id: calls[0]?.id,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(deltas[1]?.tool_calls?.[0]).toEqual({ index: 0, function: { arguments: "{" } });
    expect(chunks.at(-2)).toMatchObject({ choices: [{ finish_reason: "tool_calls", delta: {} }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: whole.usage.completion_tokens } });
  });

  it("when the client leaves mid-call, then the generation is cancelled and its slot freed", async () => {
    const sim = await start({ interTokenMs: 20 });
    const url = sim.url;
    const controller = new AbortController();
    const body = { messages: ask("x"), tools: [weather], tool_choice: "required", stream: true };
    const res = await postJson(`${url}/v1/chat/completions`, body, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await waitFor(() => sim.stats.aborted === 1);
    expect(sim.stats).toMatchObject({ processing: 0, completed: 0 });
  });
});
