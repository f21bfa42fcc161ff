import { describe, expect, it } from "vitest";
import type { PieceExtra } from "./answer-piece.ts";
import { readChatAnswer } from "./read-chat-answer.ts";
import { newStreamState } from "./read-chat-stream.ts";

describe("readChatAnswer", () => {
  it("when b4748 answers a tool call whole, then it is told as the call's name, then its arguments, with the backend's usage", () => {
    const answer = {
      choices: [
        {
          finish_reason: "tool_calls",
          index: 0,
          message: {
            role: "assistant",
            content: null,
            tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Yes,"}' }, id: "" }],
          },
        },
      ],
      usage: { completion_tokens: 75, prompt_tokens: 627, total_tokens: 702 },
    };
    const pieces: [string, PieceExtra | undefined][] = [];
    const state = readChatAnswer(answer, newStreamState(), (t, e) => pieces.push([t, e]));
    expect(pieces).toEqual([
      ["", { toolCalls: [{ index: 0, id: "", name: "get_weather" }] }],
      ["", { toolCalls: [{ index: 0, arguments: '{"city":"Yes,"}' }] }],
    ]);
    expect(state).toEqual({
      tokens: 75,
      finishReason: "tool_calls",
      usage: { prompt_tokens: 627, completion_tokens: 75, total_tokens: 702 },
    });
  });

  it("when the answer is text with logprobs, then it is one piece carrying them", () => {
    const entry = { id: 1, token: "hi", bytes: [104, 105], logprob: -0.5, top_logprobs: [] };
    const answer = {
      choices: [{ finish_reason: "length", message: { content: "hi" }, logprobs: { content: [entry] } }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    };
    const pieces: unknown[] = [];
    readChatAnswer(answer, newStreamState(), (t, e) => pieces.push([t, e]));
    expect(pieces).toEqual([["hi", { logprobs: [{ token: "hi", bytes: [104, 105], logprob: -0.5, top_logprobs: [] }] }]]);
  });

  it("when the answer has no choices, then it is a stream failure", () => {
    expect(() => readChatAnswer({ error: "x" }, newStreamState(), () => {})).toThrow(/malformed/);
  });
});
