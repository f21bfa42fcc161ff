import { describe, expect, it } from "vitest";
import { embeddingPrompts, embeddingsRequest, MAX_EMBEDDING_INPUTS } from "./embeddings.ts";

const schema = embeddingsRequest({
  maxInputChars: 10,
  models: new Set(["e", "e-alias", "m"]),
  dimensions: new Map([
    ["m", [8, 16]],
    ["e-alias", []],
  ]),
});

describe("embeddingsRequest", () => {
  it("when input is a string, strings, tokens or token arrays, then it parses and normalises to prompts", () => {
    for (const [input, prompts] of [
      ["hi", ["hi"]],
      [
        ["a", "b"],
        ["a", "b"],
      ],
      [[1, 2], [[1, 2]]],
      [
        [[1], [2, 3]],
        [[1], [2, 3]],
      ],
    ] as const) {
      const req = schema.parse({ model: "e-alias", input });
      expect(embeddingPrompts(req.input)).toEqual(prompts);
    }
  });

  it("when input is empty, too long, too many, or mixed, then it is refused", () => {
    const bad = ["", [], [""], "x".repeat(11), Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => "a"), [[]], [-1], [1.5], ["a", 1]];
    for (const input of bad) expect(schema.safeParse({ model: "e", input }).success).toBe(false);
  });

  it("when the model has no embeddings pool, then the issue says model_not_found", () => {
    const result = schema.safeParse({ model: "chat-only", input: "a" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["model"], params: { kind: "model_not_found" } });
  });

  it("when dimensions is one the model is configured to shorten to, then it is accepted; otherwise refused naming dimensions", () => {
    expect(schema.safeParse({ model: "m", input: "a", dimensions: 8 }).success).toBe(true);
    for (const [model, dimensions, says] of [
      ["m", 12, "one of 8, 16"],
      ["e", 8, "no embedding_dimensions"],
    ] as const) {
      const issue = schema.safeParse({ model, input: "a", dimensions }).error?.issues[0];
      expect(issue).toMatchObject({ path: ["dimensions"], params: { kind: "unsupported_parameter" } });
      expect(issue?.message).toContain(says);
    }
  });
});
