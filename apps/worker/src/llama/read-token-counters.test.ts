import { describe, expect, it } from "vitest";
import { readTokenCounters } from "./read-token-counters.ts";

describe("readTokenCounters", () => {
  it("when llama-server's exposition has both counters, then both are read and the other series ignored", () => {
    const text = [
      "# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.",
      "# TYPE llamacpp:prompt_tokens_total counter",
      "llamacpp:prompt_tokens_total 1234",
      "llamacpp:prompt_seconds_total 0.5",
      "llamacpp:tokens_predicted_total 5.67e+06",
      "llamacpp:requests_processing 1",
      "",
    ].join("\n");
    expect(readTokenCounters(text)).toEqual({ prompt: 1234, predicted: 5_670_000 });
  });

  it("when a series is missing or not a number, then it is left out", () => {
    expect(readTokenCounters("llamacpp:prompt_tokens_total NaN\nllamacpp:tokens_predicted_total -1\n")).toEqual({});
    expect(readTokenCounters("llamacpp:tokens_predicted_total 7")).toEqual({ predicted: 7 });
    expect(readTokenCounters("<html>not metrics</html>")).toEqual({});
  });
});
