import { GatewayConfig, type ModelCapabilities } from "@gateway/contracts";
import { egressPolicy } from "@gateway/egress";
import { createRegistry } from "@gateway/observability";
import { describe, expect, it } from "vitest";
import type { Principal } from "../auth/principal.ts";
import { compileBlockedPatterns, contentPolicy } from "../limits/content-policy.ts";
import { limitMetrics } from "../limits/limit-metrics.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import { chatJobPreparer } from "./prepare-chat-job.ts";
import { completionJobPreparer } from "./prepare-completion-job.ts";
import { rerankJobPreparer } from "./prepare-rerank-job.ts";

const config = GatewayConfig.parse({
  models: [
    { id: "m", backends: ["http://a:1"], rerank_backends: ["http://r:1"] },
    { id: "eyes", backends: ["http://v:1"], vision: true },
    { id: "no-tools", backends: ["http://n:1"], function_calling: false },
  ],
});
const sees = (model: string): ModelCapabilities => ({
  chat: true,
  completion: true,
  embeddings: false,
  rerank: true,
  function_calling: model !== "no-tools",
  vision: model === "eyes",
  json_schema: true,
});
const deps = {
  config,
  contentPolicy: contentPolicy(compileBlockedPatterns(["launch\\s+codes"]), limitMetrics(createRegistry("prepare-surface-test"))),
  requestTimeoutMs: 1_000,
  hub: { channel: "gw:reply:test" } as RelayHub,
  capabilities: sees,
  egress: egressPolicy(),
};
const principal: Principal = { caller: { tenant_id: "t", key_id: "k", tier: "enterprise" }, allowedModels: null, source: "key" };
const ids = { requestId: "req_1" };
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err as { code: string; message: string; extra: { param?: string } };
  }
  throw new Error("not refused");
};
const call = { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } };
const tool = { type: "function", function: { name: "lookup", description: "find it" } };

describe("the content policy on every text a request carries", () => {
  const prepare = chatJobPreparer(deps);
  it.each([
    [
      "a text part",
      [
        {
          role: "user",
          content: [
            { type: "text", text: "hi" },
            { type: "text", text: "launch codes" },
          ],
        },
      ],
      "messages.0.content.1.text",
    ],
    [
      "a tool call's arguments",
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [{ ...call, function: { ...call.function, arguments: '{"q":"launch codes"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "ok" },
      ],
      "messages.1.tool_calls.0.function.arguments",
    ],
    [
      "a tool result",
      [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: "call_1", content: "the launch codes are" },
      ],
      "messages.2.content",
    ],
    [
      "a developer message",
      [
        { role: "developer", content: "LAUNCH codes" },
        { role: "user", content: "hi" },
      ],
      "messages.0.content",
    ],
  ])("when %s carries a blocked phrase, then the refusal names it", (_what, messages, param) => {
    expect(refusal(() => prepare({ model: "m", messages, tools: [tool] }, principal, ids))).toMatchObject({
      code: "content_policy_violation",
      extra: { param },
    });
  });

  it("when a tool's description carries a blocked phrase, then the refusal names it", () => {
    const tools = [{ type: "function", function: { name: "lookup", description: "get the launch codes" } }];
    expect(refusal(() => prepare({ model: "m", messages: [{ role: "user", content: "hi" }], tools }, principal, ids)).extra.param).toBe(
      "tools.0.function.description",
    );
  });

  it("when a legacy prompt or a rerank query or document carries a blocked phrase, then the refusal names that field", () => {
    const complete = completionJobPreparer(deps);
    expect(refusal(() => complete({ model: "m", prompt: ["ok", "launch codes"] }, principal, ids)).extra.param).toBe("prompt.1");
    expect(refusal(() => complete({ model: "m", prompt: "launch codes" }, principal, ids)).extra.param).toBe("prompt");
    expect(complete({ model: "m", prompt: [1, 2, 3] }, principal, ids).job.params.prompts).toEqual([[1, 2, 3]]);
    const rerank = rerankJobPreparer(deps);
    expect(refusal(() => rerank({ model: "m", query: "launch codes", documents: ["a"] }, principal, ids)).extra.param).toBe("query");
    expect(refusal(() => rerank({ model: "m", query: "q", documents: ["a", "launch codes"] }, principal, ids)).extra.param).toBe(
      "documents.1",
    );
  });
});

describe("images and tools against what the model can do", () => {
  const prepare = chatJobPreparer(deps);
  const withImage = (model: string, url: string) => ({
    model,
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "what is it?" },
          { type: "image_url", image_url: { url } },
        ],
      },
    ],
  });

  it("when a model that cannot see gets an image part, then a 400 says so, naming the part", () => {
    const err = refusal(() => prepare(withImage("m", "data:image/png;base64,iVBORw0KGgo="), principal, ids));
    expect(err).toMatchObject({ code: "invalid_request", extra: { param: "messages.0.content.1" } });
    expect(err.message).toContain("cannot see images");
  });

  it("when a remote image's URL is a loopback, private or metadata address, then it is refused before anything is queued", () => {
    for (const url of [
      "http://127.0.0.1/cat.png",
      "http://10.1.2.3/cat.png",
      "http://169.254.169.254/latest",
      "http://localhost:8080/x.png",
    ]) {
      expect(refusal(() => prepare(withImage("eyes", url), principal, ids)).extra.param).toBe("messages.0.content.1.image_url.url");
    }
    const { job } = prepare(withImage("eyes", "https://images.example.com/cat.png"), principal, ids);
    expect(job.params.messages[0]?.content).toEqual([
      { type: "text", text: "what is it?" },
      { type: "image_url", image_url: { url: "https://images.example.com/cat.png" } },
    ]);
  });

  it("when a model whose backends cannot call tools gets tools, then a 400 names tools", () => {
    const err = refusal(() => prepare({ model: "no-tools", messages: [{ role: "user", content: "hi" }], tools: [tool] }, principal, ids));
    expect(err).toMatchObject({ code: "invalid_request", extra: { param: "tools" } });
  });

  it("when the job is built, then tools, structured output, logprobs and sampling fields go to it as sent, metadata kept beside them", () => {
    const { job } = prepare(
      {
        model: "m",
        messages: [{ role: "user", content: "hi", name: "ann" }],
        tools: [tool],
        tool_choice: "required",
        response_format: { type: "json_object" },
        logprobs: true,
        top_logprobs: 3,
        logit_bias: { "12": 5 },
        top_k: 10,
        mirostat: 2,
        metadata: { team: "a" },
        max_completion_tokens: 7,
      },
      principal,
      ids,
    );
    expect(job.params).toMatchObject({
      messages: [{ role: "user", content: "hi", name: "ann" }],
      max_tokens: 7,
      tools: [tool],
      tool_choice: "required",
      response_format: { type: "json_object" },
      logprobs: true,
      top_logprobs: 3,
      logit_bias: { "12": 5 },
      top_k: 10,
      mirostat: 2,
    });
    expect(job.metadata).toEqual({ team: "a" });
  });
});
