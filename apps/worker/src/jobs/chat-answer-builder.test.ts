import { describe, expect, it } from "vitest";
import { ChatAnswerBuilder } from "./chat-answer-builder.ts";

describe("ChatAnswerBuilder", () => {
  it("when text only comes, then the message is that text and no delta is built", () => {
    const answer = new ChatAnswerBuilder();
    answer.text("Once");
    answer.text(" upon");
    expect(answer.message()).toEqual({ role: "assistant", content: "Once upon" });
    expect(answer.choiceLogprobs()).toBeUndefined();
  });

  it("when a backend gives a call an empty id (b4748), then it gets call_<random> once, in its first delta and the message alike", () => {
    const answer = new ChatAnswerBuilder();
    const head = answer.extra("", { toolCalls: [{ index: 0, id: "", name: "get_weather", arguments: "" }] });
    const args = answer.extra("", { toolCalls: [{ index: 0, arguments: '{"city":' }] });
    answer.extra("", { toolCalls: [{ index: 0, arguments: '"Paris"}' }] });
    const id = head.delta.tool_calls?.[0]?.id;
    expect(id).toMatch(/^call_[A-Za-z0-9_-]{24}$/);
    expect(head.delta.tool_calls).toEqual([{ index: 0, id, type: "function", function: { name: "get_weather", arguments: "" } }]);
    expect(args.delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{"city":' } }]);
    expect(answer.message()).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
  });

  it("when a backend gives ids (newer builds), then they are kept; calls come out in index order", () => {
    const answer = new ChatAnswerBuilder();
    answer.extra("", { toolCalls: [{ index: 1, id: "b".repeat(32), name: "g", arguments: "{}" }] });
    answer.extra("", { toolCalls: [{ index: 0, id: "a".repeat(32), name: "f", arguments: "{}" }] });
    expect(answer.message().tool_calls?.map((c) => c.id)).toEqual(["a".repeat(32), "b".repeat(32)]);
  });

  it("when logprobs come with more alternatives than asked, then both the delta and the result are trimmed; reasoning is kept apart", () => {
    const answer = new ChatAnswerBuilder(1);
    const top = [
      { token: "A", logprob: -0.1, bytes: [65] },
      { token: "B", logprob: -2, bytes: [66] },
    ];
    const piece = answer.extra("A", { logprobs: [{ token: "A", logprob: -0.1, bytes: [65], top_logprobs: top }], reasoning: "think" });
    expect(piece.logprobs?.[0]?.top_logprobs).toHaveLength(1);
    expect(piece.delta).toEqual({ content: "A", reasoning_content: "think" });
    expect(answer.choiceLogprobs()?.content?.[0]?.top_logprobs).toEqual([top[0]]);
    expect(answer.message()).toEqual({ role: "assistant", content: "A", reasoning_content: "think" });
    answer.reset();
    expect(answer.message()).toEqual({ role: "assistant", content: "" });
  });
});
