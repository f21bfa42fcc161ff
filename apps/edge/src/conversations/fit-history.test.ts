import { describe, expect, it } from "vitest";
import type { StoredMessage } from "./conversation-repository.ts";
import { fitHistory } from "./fit-history.ts";

const msg = (id: number, role: "user" | "assistant", tokens: number): StoredMessage => ({
  id: `msg_${id}`,
  object: "conversation.message",
  role,
  content: `m${id}`,
  created: 0,
  usage: null,
  tokens,
});

describe("fitHistory", () => {
  const history = [msg(4, "user", 10), msg(3, "assistant", 50), msg(2, "user", 10), msg(1, "assistant", 50)];

  it("when everything fits, then all turns follow the system prompt, oldest first", () => {
    const out = fitHistory({ content: "sys", tokens: 5 }, history, 1_000, 100);
    expect(out.map((m) => m.content)).toEqual(["sys", "m1", "m2", "m3", "m4"]);
  });

  it("when the context is short, then the oldest turns are dropped and the system prompt is kept", () => {
    // 260 - 100 max_tokens - 16 prompt - (5 + 8) system = 131: m4 (18), m3 (58), m2 (18) fit, m1 (58) does not.
    const out = fitHistory({ content: "sys", tokens: 5 }, history, 260, 100);
    expect(out.map((m) => m.content)).toEqual(["sys", "m2", "m3", "m4"]);
  });

  it("when not even the new message fits, then it is a context_length_exceeded error", () => {
    expect(() => fitHistory(null, history, 110, 100)).toThrow(/does not fit/);
  });

  it("when the context is unknown, then nothing is dropped", () => {
    expect(fitHistory(null, history, undefined, 100)).toHaveLength(4);
  });
});
