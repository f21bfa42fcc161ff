import { simPromptTokens } from "@gateway/test-kit/llama-sim";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { WEATHER } from "./tool-fixtures.ts";

// A newer llama-server build (the simulator's default): tool calls stream as OpenAI deltas.
let system: System;

beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system?.stop());

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What is get_weather in Paris?" }];

describe("when a client calls tools with the official openai SDK", () => {
  it("then a non-stream answer carries message.tool_calls and finish_reason tool_calls, billed like any answer", async () => {
    const { data, response } = await system.openai.chat.completions
      .create({ model: MODEL, messages, tools: [WEATHER], max_tokens: 200 })
      .withResponse();
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call.id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(JSON.parse(call.function.arguments)).toEqual({ city: expect.any(String) });
    expect(data.usage?.prompt_tokens).toBe(simPromptTokens(messages as never, undefined, [WEATHER]));
    const rows = await usageRows(system.db, response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      completion_tokens: data.usage?.completion_tokens,
      prompt_tokens: data.usage?.prompt_tokens,
      outcome: "succeeded",
    });
  });

  it("then a stream assembled by the SDK's own helper gives the same call, its deltas in OpenAI's shape", async () => {
    const stream = system.openai.chat.completions.stream({ model: MODEL, messages, tools: [WEATHER], max_tokens: 200 });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    stream.on("chunk", (chunk) => deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? [])));
    const final = await stream.finalChatCompletion();
    const plain = await system.openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER], max_tokens: 200 });
    const streamed = final.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    const answered = plain.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(streamed.function).toEqual(answered.function);
    expect(deltas[0]).toEqual({ index: 0, id: streamed.id, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas.slice(1).every((d) => d.id === undefined && d.function?.name === undefined)).toBe(true);
    expect(deltas.length).toBeGreaterThan(2);
  });

  it("then a two-step tool loop ends with the model answering the tool's result in text", async () => {
    const first = await system.openai.chat.completions.create({ model: MODEL, messages, tools: [WEATHER], max_tokens: 200 });
    const message = first.choices[0]!.message;
    const call = message.tool_calls![0]!;
    const loop: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      message,
      { role: "tool", tool_call_id: call.id, content: '{"temp_c":21}' },
    ];
    const second = await system.openai.chat.completions.create({ model: MODEL, messages: loop, tools: [WEATHER], max_tokens: 12 });
    expect(second.choices[0]!.message.tool_calls).toBeUndefined();
    expect(second.choices[0]!.message.content).toEqual(expect.any(String));
    expect(second.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(["stop", "length"]).toContain(second.choices[0]!.finish_reason);
  });

  it("then tool_choice none answers text and a named tool_choice calls that tool", async () => {
    const clock: OpenAI.ChatCompletionFunctionTool = {
      type: "function",
      function: { name: "get_time", parameters: { type: "object", properties: {} } },
    };
    const none = await system.openai.chat.completions.create({
      model: MODEL,
      messages,
      tools: [WEATHER],
      tool_choice: "none",
      max_tokens: 8,
    });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
    const named = await system.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Hello there" }],
      tools: [WEATHER, clock],
      tool_choice: { type: "function", function: { name: "get_time" } },
      max_tokens: 200,
    });
    expect((named.choices[0]!.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall).function.name).toBe("get_time");
  });
});

describe("when a tool request is malformed", () => {
  const refused = (body: object) =>
    system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 8, ...body } as never).then(
      () => undefined,
      (err: InstanceType<typeof OpenAI.BadRequestError>) => ({ status: err.status, param: err.param, code: err.code }),
    );

  it.each([
    [
      "an invalid parameters schema",
      { tools: [{ ...WEATHER, function: { ...WEATHER.function, parameters: { type: "objekt" } } }] },
      "tools.0.function.parameters.type",
    ],
    [
      "an unknown tool_call_id",
      {
        tools: [WEATHER],
        messages: [
          ...messages,
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: "{}" } }],
          },
          { role: "tool", tool_call_id: "call_b", content: "21" },
        ],
      },
      "messages.2.tool_call_id",
    ],
    [
      "a tool message with no call before it",
      { messages: [...messages, { role: "tool", tool_call_id: "call_a", content: "21" }] },
      "messages.1.tool_call_id",
    ],
    [
      "a tool_choice naming no tool",
      { tools: [WEATHER], tool_choice: { type: "function", function: { name: "nope" } } },
      "tool_choice.function.name",
    ],
  ])("when it has %s, then 400 names the field", async (_what, body, param) => {
    expect(await refused(body)).toMatchObject({ status: 400, param });
  });
});
