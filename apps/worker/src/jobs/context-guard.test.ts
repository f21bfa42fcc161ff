import { describe, expect, it } from "vitest";
import { promptFits } from "./context-guard.ts";

/** A real tokenizer stands in: one token per whitespace-separated word. */
const words = { tokenize: async (_backend: string, text: string) => text.split(/\s+/).filter(Boolean).length };
const silent = { tokenize: async () => undefined };

describe("promptFits", () => {
  it("when even one token per byte fits, then no backend is asked", async () => {
    let asked = 0;
    const client = { tokenize: async () => (asked++, 1) };
    expect(await promptFits("hello there", 10, 100, ["b"], client)).toEqual({ outcome: "bound" });
    expect(asked).toBe(0);
  });

  it("when the byte bound is too large, then the backend's count decides", async () => {
    const text = "word ".repeat(40);
    expect(await promptFits(text, 10, 60, ["b"], words)).toEqual({ outcome: "fits", tokens: 50 });
    expect(await promptFits(text, 10, 49, ["b"], words)).toEqual({ outcome: "exceeded", tokens: 50 });
  });

  it("when max_tokens alone leaves no room, then exceeded without counting", async () => {
    expect(await promptFits("hi", 9, 9, ["b"], words)).toEqual({ outcome: "exceeded" });
  });

  it("when no backend answers /tokenize, then unknown", async () => {
    expect(await promptFits("word ".repeat(40), 10, 60, ["a", "b"], silent)).toEqual({ outcome: "unknown" });
  });
});
