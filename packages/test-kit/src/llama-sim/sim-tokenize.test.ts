import { describe, expect, it } from "vitest";
import { simCompletion } from "./sim-completion.ts";
import { simPromptTokens, simTokenize, truncatePromptTokens } from "./sim-tokenize.ts";

describe("simTokenize", () => {
  it("when text has words and punctuation, then each word and each punctuation mark is one token", () => {
    expect(simTokenize("Once upon a time, there.")).toHaveLength(7);
    expect(simTokenize("")).toEqual([]);
    expect(simTokenize("   ")).toEqual([]);
  });

  it("when the same text is tokenized twice, then the ids are equal and inside the vocabulary, clear of special ids", () => {
    const ids = simTokenize("Lily saw a big red ball! Ünïcode wörds 123");
    expect(simTokenize("Lily saw a big red ball! Ünïcode wörds 123")).toEqual(ids);
    expect(ids.every((id) => id >= 3 && id < 512)).toBe(true);
  });

  it("when a word follows whitespace, then it gets another id than the same word glued to the previous token", () => {
    const [, spaced] = simTokenize("a ball");
    const [, glued] = simTokenize("(ball");
    expect(spaced).not.toBe(glued);
    expect(simTokenize("a  \n ball")).toEqual(simTokenize("a ball"));
  });
});

describe("simPromptTokens", () => {
  it("when messages are given, then the count is 4 plus, per message, 4 plus its tokens", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Once upon a time" },
    ];
    expect(simPromptTokens(messages)).toBe(4 + (4 + 3) + (4 + 4));
    expect(simPromptTokens([])).toBe(4);
  });

  it("when the prompt does not fit the context, then it is cut by blocks of nCtx/2 as llama-server does", () => {
    expect(truncatePromptTokens(100, 128)).toBe(100);
    expect(truncatePromptTokens(128, 128)).toBe(64);
    expect(truncatePromptTokens(300, 128)).toBe(108);
    const long = [{ role: "user", content: "word ".repeat(500) }];
    expect(simPromptTokens(long, 128)).toBe(truncatePromptTokens(simPromptTokens(long), 128));
  });
});

describe("simCompletion", () => {
  const messages = [{ role: "user", content: "Tell me a story" }];

  it("when max_tokens is below the natural length, then it stops there with finish_reason length", () => {
    const out = simCompletion(messages, 5);
    expect(out.tokens).toHaveLength(5);
    expect(out.finishReason).toBe("length");
    expect(out.text).toBe(out.tokens.join(""));
  });

  it("when max_tokens is absent or above the natural length, then it says its natural tokens and stops", () => {
    expect(simCompletion(messages, undefined)).toMatchObject({ finishReason: "stop" });
    expect(simCompletion(messages, undefined).tokens).toHaveLength(16);
    expect(simCompletion(messages, 100, { naturalTokens: 20 }).tokens).toHaveLength(20);
  });

  it("when the prompt or the seed changes, then the output changes, and not otherwise", () => {
    const base = simCompletion(messages, 8).text;
    expect(simCompletion(messages, 8).text).toBe(base);
    expect(simCompletion([{ role: "user", content: "Another one" }], 8).text).not.toBe(base);
    expect(simCompletion(messages, 8, { seed: 42 }).text).not.toBe(base);
    expect(simCompletion(messages, 8, { seed: 42 }).text).toBe(simCompletion(messages, 8, { seed: 42 }).text);
  });

  it("when the context leaves less room than the natural length, then the room bounds it with finish_reason length", () => {
    const out = simCompletion([{ role: "user", content: "hi" }], undefined, { nCtx: 15 });
    expect(out.tokens).toHaveLength(15 - 9);
    expect(out.finishReason).toBe("length");
  });
});
