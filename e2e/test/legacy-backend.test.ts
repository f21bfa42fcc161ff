import { simTextCompletion } from "@gateway/test-kit/llama-sim";
import type OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { usageRows } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { WEATHER } from "./tool-fixtures.ts";

// The simulator copying build b4748 as OBSERVED.md measured it: tools with stream are a 500, a tool without description a 500,
// tool call ids "", response_format json_schema, max_completion_tokens and OpenAI's logit_bias ignored, echo refused.
let system: System;

beforeAll(async () => {
  system = await startSystem({ sim: { toolsMode: "legacy" } });
});
afterAll(() => system?.stop());

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What is get_weather in Paris?" }];
const bare: OpenAI.ChatCompletionFunctionTool = {
  type: "function",
  function: { name: "get_weather", parameters: WEATHER.function.parameters! },
};

describe("when the backend is llama-server b4748", () => {
  it("then a tool stream still reaches the SDK as OpenAI's deltas, each call with a call_ id the loop sends back", async () => {
    const stream = system.openai.chat.completions.stream({ model: MODEL, messages, tools: [bare], max_tokens: 200 });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    stream.on("chunk", (chunk) => deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? [])));
    const final = await stream.finalChatCompletion();
    const message = final.choices[0]!.message;
    const call = message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(deltas[0]).toMatchObject({ index: 0, id: call.id, type: "function", function: { name: "get_weather" } });
    expect(JSON.parse(call.function.arguments)).toEqual({ city: expect.any(String) });

    const loop: OpenAI.ChatCompletionMessageParam[] = [
      ...messages,
      { role: "assistant", content: null, tool_calls: [call] },
      { role: "tool", tool_call_id: call.id, content: '{"temp_c":21}' },
    ];
    const { data, response } = await system.openai.chat.completions
      .create({ model: MODEL, messages: loop, tools: [bare], max_tokens: 8 })
      .withResponse();
    expect(data.choices[0]!.message.content).toEqual(expect.any(String));
    expect((await usageRows(system.db, response.headers.get("x-request-id")!))[0]).toMatchObject({ outcome: "succeeded" });
  });

  it("then zodResponseFormat's json_schema is enforced (sent as the native json_schema field b4748 honours)", async () => {
    const Pet = z.object({ name: z.string(), legs: z.number().int() });
    const completion = await system.openai.chat.completions.parse({
      model: MODEL,
      messages: [{ role: "user", content: "Describe a pet." }],
      response_format: zodResponseFormat(Pet, "pet"),
      max_tokens: 200,
    });
    expect(Pet.parse(completion.choices[0]!.message.parsed)).toEqual(completion.choices[0]!.message.parsed);
  });

  it("then OpenAI's logit_bias object and max_completion_tokens work (b4748 reads neither as sent)", async () => {
    const res = await system.openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "Tell me a story." }],
      logit_bias: { "403": 100 },
      max_completion_tokens: 5,
    });
    expect(res.usage?.completion_tokens).toBe(5);
    const pieces = new Set(res.choices[0]!.message.content!.split(/(?=\s)/));
    expect(pieces.size).toBe(1);
  });

  it("then an array prompt is one text_completion, and echo works though b4748 refuses the field", async () => {
    const res = await system.openai.completions.create({
      model: MODEL,
      prompt: ["Once upon a time", "The dog"],
      echo: true,
      max_tokens: 4,
    });
    expect(res.choices.map((c) => c.text)).toEqual(["Once upon a time", "The dog"].map((p) => p + simTextCompletion(p, 4).text));
  });
});
