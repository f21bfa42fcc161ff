import { simPromptTokens } from "@gateway/test-kit/llama-sim";
import { describe, expect, it } from "vitest";
import { promptTokensUpperBound } from "./prompt-tokens.ts";

const texts = [
  "Once upon a time",
  "a",
  "!!!???...,,,;;;",
  "naïve café — 日本語のテキスト 🎉🎉",
  "x".repeat(5_000),
  Array.from({ length: 300 }, (_, i) => `w${i}`).join(" . "),
];

describe("promptTokensUpperBound", () => {
  it.each(texts.map((t) => [t.slice(0, 30), t]))(
    "when the prompt is %j, then the bound is at least what the model counts",
    (_label, text) => {
      const messages = [
        { role: "system" as const, content: "You are terse." },
        { role: "user" as const, content: text },
      ];
      expect(promptTokensUpperBound(messages)).toBeGreaterThanOrEqual(simPromptTokens(messages));
    },
  );

  it("when content is multi-byte, then it counts bytes, not characters", () => {
    expect(promptTokensUpperBound([{ role: "user", content: "é" }]) - promptTokensUpperBound([{ role: "user", content: "e" }])).toBe(1);
  });
});
