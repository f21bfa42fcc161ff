import { describe, expect, it } from "vitest";
import { newStreamState, readChatStream } from "./read-chat-stream.ts";
import { UpstreamError } from "./upstream-error.ts";

const enc = new TextEncoder();
async function* body(...parts: string[]) {
  for (const p of parts) yield enc.encode(p);
}
const token = (t: string) =>
  `data: ${JSON.stringify({ choices: [{ finish_reason: null, index: 0, delta: { content: t } }], object: "chat.completion.chunk" })}\n\n`;
const usage = { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 };

describe("readChatStream", () => {
  it("when usage rides on the finish chunk (old builds), then tokens, finish_reason and usage are read", async () => {
    const got: string[] = [];
    const finish = `data: ${JSON.stringify({ choices: [{ finish_reason: "length", index: 0, delta: {} }], usage })}\n\n`;
    const state = await readChatStream(body(token("Once"), token(" upon"), finish, "data: [DONE]\n\n"), newStreamState(), (t) =>
      got.push(t),
    );
    expect(got).toEqual(["Once", " upon"]);
    expect(state).toEqual({ tokens: 2, finishReason: "length", usage });
  });

  it("when usage comes as a separate choices-less chunk (newer builds), then it is read too", async () => {
    const finish = `data: ${JSON.stringify({ choices: [{ finish_reason: "stop", index: 0, delta: {} }] })}\n\n`;
    const usageChunk = `data: ${JSON.stringify({ choices: [], usage })}\n\n`;
    const state = await readChatStream(body(token("A"), token("B"), finish, usageChunk, "data: [DONE]\n\n"), newStreamState(), () => {});
    expect(state).toEqual({ tokens: 2, finishReason: "stop", usage });
  });

  it("when an error line follows some tokens, then it throws a stream error counting them", async () => {
    const state = newStreamState();
    const error = 'error: {"code":500,"message":"context shift is disabled","type":"server_error"}\n\n';
    const failure = await readChatStream(body(token("A"), token("B"), token("C"), error, "data: [DONE]\n\n"), state, () => {}).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).kind).toBe("stream");
    expect((failure as UpstreamError).details.tokens).toBe(3);
    expect((failure as UpstreamError).retryable).toBe(false);
  });

  it("when the stream ends without a finish_reason, then it is a failure, not a short answer", async () => {
    const failure = await readChatStream(body(token("A"), "data: [DONE]\n\n"), newStreamState(), () => {}).catch((e: unknown) => e);
    expect((failure as UpstreamError).message).toMatch(/finish_reason/);
  });

  it("when a chunk has empty content (a role-only first chunk), then it is not counted as a token", async () => {
    const roleChunk = `data: ${JSON.stringify({ choices: [{ finish_reason: null, index: 0, delta: { role: "assistant", content: "" } }] })}\n\n`;
    const finish = `data: ${JSON.stringify({ choices: [{ finish_reason: "stop", index: 0, delta: {} }] })}\n\n`;
    const state = await readChatStream(body(roleChunk, token("A"), finish, "data: [DONE]\n\n"), newStreamState(), () => {});
    expect(state.tokens).toBe(1);
    expect(state.usage).toBeNull();
  });
});

describe("readChatStream with tools, reasoning and logprobs", () => {
  const chunk = (delta: object, extra: object = {}) =>
    `data: ${JSON.stringify({ choices: [{ finish_reason: null, index: 0, delta, ...extra }], object: "chat.completion.chunk" })}\n\n`;
  const finish = `data: ${JSON.stringify({ choices: [{ finish_reason: "tool_calls", index: 0, delta: {} }], usage })}\n\n`;

  it("when a newer build streams tool calls and reasoning, then each piece is handed on with its extra and counted as a token", async () => {
    const got: [string, unknown][] = [];
    const head = { tool_calls: [{ index: 0, id: "x".repeat(32), type: "function", function: { name: "f", arguments: "" } }] };
    const args = { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] };
    const state = await readChatStream(
      body(chunk({ reasoning_content: "hmm" }), chunk(head), chunk(args), finish, "data: [DONE]\n\n"),
      newStreamState(),
      (t, extra) => got.push([t, extra]),
    );
    expect(got).toEqual([
      ["", { reasoning: "hmm" }],
      ["", { toolCalls: [{ index: 0, id: "x".repeat(32), name: "f", arguments: "" }] }],
      ["", { toolCalls: [{ index: 0, arguments: '{"a":1}' }] }],
    ]);
    expect(state).toEqual({ tokens: 3, finishReason: "tool_calls", usage });
  });

  it("when a token carries logprobs, then they are read in OpenAI's shape without llama's token id", async () => {
    const entry = { id: 438, token: "L", bytes: [76], logprob: -3.8, top_logprobs: [{ id: 436, token: '"', bytes: [34], logprob: -1.07 }] };
    const got: unknown[] = [];
    await readChatStream(
      body(chunk({ content: "L" }, { logprobs: { content: [entry] } }), finish, "data: [DONE]\n\n"),
      newStreamState(),
      (t, e) => got.push([t, e]),
    );
    expect(got).toEqual([
      ["L", { logprobs: [{ token: "L", bytes: [76], logprob: -3.8, top_logprobs: [{ token: '"', bytes: [34], logprob: -1.07 }] }] }],
    ]);
  });

  it("when a legacy completion streams text, then its text pieces are read as content", async () => {
    const text = (t: string) =>
      `data: ${JSON.stringify({ choices: [{ text: t, index: 0, logprobs: null, finish_reason: null }], object: "text_completion" })}\n\n`;
    const end = `data: ${JSON.stringify({ choices: [{ text: "", index: 0, logprobs: null, finish_reason: "length" }], usage })}\n\n`;
    const got: string[] = [];
    const state = await readChatStream(body(text(", in"), text(" a"), end, "data: [DONE]\n\n"), newStreamState(), (t) => got.push(t));
    expect(got).toEqual([", in", " a"]);
    expect(state.finishReason).toBe("length");
  });
});
