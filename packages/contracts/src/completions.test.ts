import { describe, expect, it } from "vitest";
import { completionPrompts, completionRequest, MAX_COMPLETION_PROMPTS } from "./completions.ts";

const schema = completionRequest({ maxContentChars: 50, models: new Map([["m", { maxOutputTokens: 64 }]]) });
const pathOf = (body: unknown) => schema.safeParse(body).error?.issues[0]?.path.join(".");

describe("completionRequest", () => {
  it("when prompt is a string, strings, token ids or token arrays, then it normalises to one prompt per choice", () => {
    for (const [prompt, prompts] of [
      ["Once upon", ["Once upon"]],
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
      expect(completionPrompts(schema.parse({ model: "m", prompt }).prompt)).toEqual(prompts);
    }
  });

  it("when echo, logprobs (0-5), stream and llama.cpp's sampling fields are sent, then they are accepted", () => {
    const body = { model: "m", prompt: "x", echo: true, stream: true, stop: ".", max_tokens: 64, top_k: 5, min_p: 0.1, best_of: 1 };
    expect(schema.safeParse(body).success).toBe(true);
    expect(schema.safeParse({ model: "m", prompt: "x", logprobs: 5 }).success).toBe(true);
  });

  it.each([
    [{ prompt: "" }, "prompt"],
    [{ prompt: Array.from({ length: MAX_COMPLETION_PROMPTS + 1 }, () => "a") }, "prompt"],
    [{ logprobs: 6 }, "logprobs"],
    [{ suffix: "end" }, "suffix"],
    [{ echo: true, logprobs: 2 }, "echo"],
    [{ n: 2 }, "n"],
    [{ best_of: 3 }, "best_of"],
    [{ max_tokens: 65 }, "max_tokens"],
    [{ top_k: -3 }, "top_k"],
    [{ id_slot: 1 }, "id_slot"],
    [{ model: "other" }, "model"],
  ])("when the request has %j, then %s is named", (extra, path) => {
    expect(pathOf({ model: "m", prompt: "x", ...extra })).toBe(path);
  });
});
