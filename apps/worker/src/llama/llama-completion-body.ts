import type { CompletionJob, CompletionPrompt } from "@gateway/contracts";

/** Fields of the job that are the gateway's to handle, or that llama-server reads differently. */
const TRANSLATED = new Set<string>(["prompts", "echo", "logprobs", "logit_bias"]);

/**
 * The body of one prompt's `POST /v1/completions`: one prompt per call (an array would take
 * several of the backend's slots under one lease, and b4748 answers it as an array of
 * responses), streamed with usage, a bounded max_tokens, `logprobs` as the count llama-server
 * reads it (at least 1: the answer is trimmed to what the client asked) and logit_bias in the `[[id, bias]]` form b4748 reads. `echo` is the gateway's: b4748
 * refuses the field even when false.
 */
export function llamaCompletionBody(job: CompletionJob, prompt: CompletionPrompt): Record<string, unknown> {
  const { params } = job;
  const body: Record<string, unknown> = { model: job.model, prompt, stream: true, stream_options: { include_usage: true } };
  for (const [key, value] of Object.entries(params)) if (value !== undefined && !TRANSLATED.has(key)) body[key] = value;
  // logprobs 0 (OpenAI: the sampled tokens' own only) still needs the backend to report them.
  if (params.logprobs !== undefined) body.logprobs = Math.max(1, params.logprobs);
  if (params.logit_bias) body.logit_bias = Object.entries(params.logit_bias).map(([id, bias]) => [Number(id), bias]);
  return body;
}
