import type { CompletionLogprobs, TokenLogprob } from "@gateway/contracts";

/**
 * OpenAI's legacy completion logprobs (parallel arrays, alternatives as token → logprob, each
 * token's offset in the choice's text) from the per-token entries llama-server answers, which
 * are in the chat shape even on /v1/completions. `offset` is where the first token starts.
 */
export function legacyLogprobs(entries: readonly TokenLogprob[], offset: number, top: number): CompletionLogprobs {
  const text_offset: number[] = [];
  let at = offset;
  for (const e of entries) {
    text_offset.push(at);
    at += e.token.length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top_logprobs.slice(0, top).map((t) => [t.token, t.logprob]))),
    text_offset,
  };
}

/** Several pieces' logprobs as one choice's. */
export function joinLegacyLogprobs(parts: readonly CompletionLogprobs[]): CompletionLogprobs {
  return {
    tokens: parts.flatMap((p) => p.tokens),
    token_logprobs: parts.flatMap((p) => p.token_logprobs),
    top_logprobs: parts.flatMap((p) => p.top_logprobs),
    text_offset: parts.flatMap((p) => p.text_offset),
  };
}
