import { describe, expect, it } from "vitest";
import { chatCompletionRequest } from "./chat.ts";
import { specificIssues } from "./zod-issues.ts";

const schema = chatCompletionRequest({ maxContentChars: 100, models: new Map([["m", { maxOutputTokens: 100 }]]) });
const ask = { role: "user", content: "weather in Paris?" };
const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
const valid = { model: "m", messages: [ask] };
const issuesOf = (body: unknown) => specificIssues(schema.safeParse(body).error?.issues ?? []);
const pathOf = (body: unknown) => issuesOf(body)[0]?.path.join(".");
const call = (id: string) => ({ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } });

describe("chat requests with tools", () => {
  it("when tools, tool_choice and parallel_tool_calls are well formed, then they are accepted", () => {
    for (const tool_choice of ["none", "auto", "required", { type: "function", function: { name: "get_weather" } }]) {
      expect(schema.safeParse({ ...valid, tools: [weather], tool_choice, parallel_tool_calls: true }).success).toBe(true);
    }
    expect(schema.safeParse({ ...valid, tools: [{ type: "function", function: { name: "now" } }] }).success).toBe(true);
  });

  it.each([
    [{ type: "objekt" }, "tools.0.function.parameters.type"],
    [{ type: "string" }, "tools.0.function.parameters.type"],
    [{ type: "object", properties: { city: { type: 5 } } }, "tools.0.function.parameters.properties.city.type"],
    [{ type: "object", required: "city" }, "tools.0.function.parameters.required"],
    [{ type: "object", properties: [] }, "tools.0.function.parameters.properties"],
    ["an object", "tools.0.function.parameters"],
  ])("when a tool's parameters are %j, then the 400 names %s", (parameters, path) => {
    expect(pathOf({ ...valid, tools: [{ ...weather, function: { ...weather.function, parameters } }] })).toBe(path);
  });

  it("when a schema nests deeper than the limit, then it is refused without walking it", () => {
    let deep: object = { type: "string" };
    for (let i = 0; i < 40; i++) deep = { type: "object", properties: { a: deep } };
    expect(pathOf({ ...valid, tools: [{ ...weather, function: { ...weather.function, parameters: deep } }] })).toBe(
      "tools.0.function.parameters",
    );
  });

  it("when a tool name is invalid or repeated, or tool_choice names a tool that is not there, then the field is named", () => {
    expect(pathOf({ ...valid, tools: [{ ...weather, function: { name: "get weather" } }] })).toBe("tools.0.function.name");
    expect(pathOf({ ...valid, tools: [weather, weather] })).toBe("tools.1.function.name");
    expect(pathOf({ ...valid, tools: [weather], tool_choice: { type: "function", function: { name: "other" } } })).toBe(
      "tool_choice.function.name",
    );
    expect(pathOf({ ...valid, tool_choice: "required" })).toBe("tool_choice");
    expect(pathOf({ ...valid, parallel_tool_calls: false })).toBe("parallel_tool_calls");
  });

  it("when an assistant turn calls a tool and a tool message answers it, then the conversation is accepted, content null", () => {
    const messages = [
      ask,
      { role: "assistant", content: null, tool_calls: [call("call_1")] },
      { role: "tool", tool_call_id: "call_1", content: "21C" },
    ];
    expect(schema.safeParse({ ...valid, tools: [weather], messages }).success).toBe(true);
  });

  it.each([
    [[ask, { role: "tool", tool_call_id: "call_1", content: "x" }], "messages.1.tool_call_id"],
    [[ask, { role: "assistant", tool_calls: [call("a")] }, { role: "tool", tool_call_id: "b", content: "x" }], "messages.2.tool_call_id"],
    [
      [
        ask,
        { role: "assistant", tool_calls: [call("a")] },
        { role: "tool", tool_call_id: "a", content: "x" },
        { role: "tool", tool_call_id: "a", content: "y" },
      ],
      "messages.3.tool_call_id",
    ],
    [
      [ask, { role: "assistant", tool_calls: [call("a"), call("b")] }, { role: "tool", tool_call_id: "a", content: "x" }],
      "messages.1.tool_calls",
    ],
    [
      [ask, { role: "assistant", tool_calls: [call("a"), call("a")] }, { role: "tool", tool_call_id: "a", content: "x" }],
      "messages.1.tool_calls",
    ],
    [[ask, { role: "assistant", content: null }, ask], "messages.1.content"],
    [[ask, { role: "assistant", content: "hi" }], "messages"],
    [[{ role: "tool", content: "x" }], "messages.0.tool_call_id"],
  ])("when the messages are %j, then the 400 names %s", (messages, path) => {
    expect(pathOf({ ...valid, tools: [weather], messages })).toBe(path);
  });
});

describe("chat requests with roles, content parts and structured output", () => {
  it("when a developer message, names and image parts (data or https URL) are sent, then they are accepted", () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } };
    const remote = { type: "image_url", image_url: { url: "https://images.example.com/cat.png" } };
    const messages = [
      { role: "developer", content: "be brief", name: "ops" },
      { role: "user", content: [{ type: "text", text: "what is it?" }, image, remote] },
    ];
    expect(schema.safeParse({ ...valid, messages }).success).toBe(true);
  });

  it("when an image part is not an image URL, or a part's type is unknown, then the part is named", () => {
    const bad = (part: object) => pathOf({ ...valid, messages: [{ role: "user", content: [part] }] });
    expect(bad({ type: "image_url", image_url: { url: "data:text/plain;base64,aGk=" } })).toBe("messages.0.content.0.image_url.url");
    expect(bad({ type: "image_url", image_url: { url: "file:///etc/passwd" } })).toBe("messages.0.content.0.image_url.url");
    expect(bad({ type: "input_audio", input_audio: { data: "x", format: "wav" } })).toBe("messages.0.content.0.type");
  });

  it("when response_format is text, json_object or json_schema (strict), or json_schema / grammar are sent alone, then they are accepted", () => {
    const json_schema = { name: "person", strict: true, schema: { type: "object", properties: { name: { type: "string" } } } };
    for (const extra of [
      { response_format: { type: "text" } },
      { response_format: { type: "json_object" } },
      { response_format: { type: "json_schema", json_schema } },
      { json_schema: { type: "object" } },
      { grammar: 'root ::= "yes" | "no"' },
    ]) {
      expect(schema.safeParse({ ...valid, ...extra }).success).toBe(true);
    }
  });

  it("when structured output fields conflict or are malformed, then the field is named", () => {
    expect(pathOf({ ...valid, response_format: { type: "xml" } })).toBe("response_format.type");
    expect(pathOf({ ...valid, response_format: { type: "json_schema", json_schema: { schema: {} } } })).toBe(
      "response_format.json_schema.name",
    );
    expect(pathOf({ ...valid, json_schema: {}, grammar: "root ::= x" })).toBe("grammar");
    expect(pathOf({ ...valid, response_format: { type: "json_object" }, json_schema: {} })).toBe("json_schema");
    expect(pathOf({ ...valid, tools: [weather], grammar: "root ::= x" })).toBe("grammar");
  });
});

describe("chat requests with logprobs, logit_bias and llama.cpp's sampling fields", () => {
  it("when they are within range, then they are accepted", () => {
    const body = {
      ...valid,
      logprobs: true,
      top_logprobs: 20,
      logit_bias: { "403": 100, "12": -100 },
      metadata: { team: "search" },
      top_k: 40,
      min_p: 0.05,
      typical_p: 1,
      repeat_penalty: 1.1,
      repeat_last_n: -1,
      mirostat: 2,
      mirostat_tau: 5,
      mirostat_eta: 0.1,
      dynatemp_range: 0.5,
      samplers: ["top_k", "min_p", "temperature"],
      n_probs: 3,
      cache_prompt: false,
    };
    expect(schema.safeParse(body).success).toBe(true);
  });

  it.each([
    ["top_logprobs", 21],
    ["top_k", -1],
    ["top_k", 1.5],
    ["min_p", 1.5],
    ["typical_p", -0.1],
    ["repeat_penalty", -1],
    ["repeat_last_n", -2],
    ["mirostat", 3],
    ["mirostat_eta", 2],
    ["dynatemp_range", -1],
    ["samplers", ["top_k", "nucleus"]],
    ["n_probs", 100],
    ["cache_prompt", "yes"],
    ["logprobs", "yes"],
  ])("when %s is %j, then it is refused naming it", (field, value) => {
    expect(pathOf({ ...valid, logprobs: true, [field]: value })?.split(".")[0]).toBe(field);
  });

  it("when top_logprobs comes without logprobs, a logit_bias key is not a token id or out of range, or id_slot is set, then the field is named", () => {
    expect(pathOf({ ...valid, top_logprobs: 2 })).toBe("top_logprobs");
    expect(pathOf({ ...valid, logit_bias: { hello: 1 } })).toBe("logit_bias.hello");
    expect(pathOf({ ...valid, logit_bias: { "1": 101 } })).toBe("logit_bias.1");
    expect(issuesOf({ ...valid, id_slot: 0 })[0]).toMatchObject({ path: ["id_slot"], message: expect.stringContaining("gateway") });
    expect(issuesOf({ ...valid, n: 2 })[0]?.message).toContain("one choice");
  });
});
