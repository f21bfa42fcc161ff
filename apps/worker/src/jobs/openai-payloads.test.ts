import type { ChatJob } from "@gateway/contracts";
import { ChatCompletionChunk } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { completionIdentity, contentChunk, deltaChunk, finishChunk } from "./openai-payloads.ts";

const job: ChatJob = {
  v: 1,
  kind: "chat",
  request_id: "req-1",
  model: "stories",
  caller: { tenant_id: "t", key_id: "k", tier: "free" },
  params: { messages: [{ role: "user", content: "hi", name: "bob" }], max_tokens: 8, temperature: 0.5 },
  stream: true,
  reply_to: "gw:reply:e1",
  accepted_at: 0,
  deadline_at: 1,
};

describe("openai payloads", () => {
  it("when building chunks, then the role rides on the first only and all are valid chunks", () => {
    const id = completionIdentity(job, 1_700_000_000_500);
    expect(id).toEqual({ id: "chatcmpl-req-1", model: "stories", created: 1_700_000_000 });
    const first = ChatCompletionChunk.parse(contentChunk(id, "A", true));
    const next = ChatCompletionChunk.parse(contentChunk(id, "B", false));
    const end = ChatCompletionChunk.parse(finishChunk(id, "length"));
    expect(first.choices[0]?.delta).toEqual({ role: "assistant", content: "A" });
    expect(next.choices[0]?.delta).toEqual({ content: "B" });
    expect(end.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "length" });
  });

  it("when a chunk carries a tool call or logprobs, then it is a valid chunk with the role on the first only", () => {
    const id = completionIdentity(job, 1_700_000_000_500);
    const call = { index: 0, id: "call_1", type: "function" as const, function: { name: "f", arguments: "" } };
    const first = ChatCompletionChunk.parse(deltaChunk(id, { tool_calls: [call] }, undefined, true));
    expect(first.choices[0]?.delta).toEqual({ role: "assistant", tool_calls: [call] });
    const logprobs = [{ token: "A", logprob: -1, bytes: [65], top_logprobs: [] }];
    const next = ChatCompletionChunk.parse(deltaChunk(id, { content: "A" }, logprobs, false));
    expect(next.choices[0]).toEqual({ index: 0, delta: { content: "A" }, finish_reason: null, logprobs: { content: logprobs } });
  });
});
