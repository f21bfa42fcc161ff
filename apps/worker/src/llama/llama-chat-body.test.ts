import type { ChatJob } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { llamaChatBody, needsWholeAnswer } from "./llama-chat-body.ts";

const job = (params: Partial<ChatJob["params"]> = {}, stream = true): ChatJob => ({
  v: 1,
  kind: "chat",
  request_id: "req-1",
  model: "stories",
  caller: { tenant_id: "t", key_id: "k", tier: "free" },
  params: { messages: [{ role: "user", content: "hi", name: "bob" }], max_tokens: 8, temperature: 0.5, ...params },
  stream,
  reply_to: "gw:reply:e1",
  accepted_at: 0,
  deadline_at: 1,
});
const weather = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } };
const clock = { type: "function" as const, function: { name: "now", description: "the time" } };

describe("llamaChatBody", () => {
  it("when the job is plain chat, then it streams with usage, a bounded max_tokens and only the set params, messages as sent", () => {
    expect(llamaChatBody(job(), {})).toEqual({
      model: "stories",
      messages: [{ role: "user", content: "hi", name: "bob" }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 8,
      temperature: 0.5,
    });
  });

  it("when the job has a developer message, then it is system unless the backend's template knows the role", () => {
    const messages = [
      { role: "developer" as const, content: "be brief" },
      { role: "user" as const, content: "hi" },
    ];
    expect((llamaChatBody(job({ messages }), {}).messages as { role: string }[]).map((m) => m.role)).toEqual(["system", "user"]);
    expect((llamaChatBody(job({ messages }), { developer_role: true }).messages as { role: string }[])[0]?.role).toBe("developer");
  });

  it("when tools lack a description, then an empty one is filled in (b4748 refuses a missing key); a named tool_choice becomes required of that tool", () => {
    expect(llamaChatBody(job({ tools: [weather, clock], tool_choice: "auto", parallel_tool_calls: true }), {})).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", description: "", parameters: { type: "object" } } }, clock],
      tool_choice: "auto",
      parallel_tool_calls: true,
    });
    const named = llamaChatBody(job({ tools: [weather, clock], tool_choice: { type: "function", function: { name: "now" } } }), {});
    expect(named).toMatchObject({ tools: [clock], tool_choice: "required" });
  });

  it("when response_format is json_schema, then its schema goes as the native json_schema field b4748 enforces; json_object as it is; text not at all", () => {
    const schema = { type: "object", properties: { name: { type: "string" } } };
    const body = llamaChatBody(job({ response_format: { type: "json_schema", json_schema: { name: "p", schema, strict: true } } }), {});
    expect(body.json_schema).toEqual(schema);
    expect(body.response_format).toBeUndefined();
    expect(llamaChatBody(job({ response_format: { type: "json_object" } }), {}).response_format).toEqual({ type: "json_object" });
    expect(llamaChatBody(job({ response_format: { type: "text" } }), {}).response_format).toBeUndefined();
    expect(llamaChatBody(job({ grammar: "root ::= x" }), {}).grammar).toBe("root ::= x");
  });

  it("when logit_bias and logprobs are OpenAI's, then llama-server gets [[id, bias]] and at least one alternative asked", () => {
    const body = llamaChatBody(job({ logit_bias: { "403": 100, "7": -5 }, logprobs: true, top_logprobs: 0 }), {});
    expect(body).toMatchObject({
      logit_bias: [
        [7, -5],
        [403, 100],
      ],
      logprobs: true,
      top_logprobs: 1,
    });
    expect(llamaChatBody(job({ logprobs: true }), {}).top_logprobs).toBe(1);
    expect(llamaChatBody(job({ top_k: 5, min_p: 0.1, samplers: ["top_k"], cache_prompt: false }), {})).toMatchObject({
      top_k: 5,
      min_p: 0.1,
      samplers: ["top_k"],
      cache_prompt: false,
    });
  });

  it("when stream is false, then the body asks for the whole answer", () => {
    const body = llamaChatBody(job({ tools: [clock] }), {}, false);
    expect(body.stream).toBe(false);
    expect(body.stream_options).toBeUndefined();
  });
});

describe("needsWholeAnswer", () => {
  it("when tools go to a build that cannot stream them, or come with logprobs, then the answer is asked for whole", () => {
    expect(needsWholeAnswer(job({ tools: [clock] }), { streamed_tools: false })).toBe(true);
    expect(needsWholeAnswer(job({ tools: [clock] }), {})).toBe(false);
    expect(needsWholeAnswer(job({ tools: [clock], logprobs: true }), {})).toBe(true);
    expect(needsWholeAnswer(job(), { streamed_tools: false })).toBe(false);
  });
});
