import type { TextParams } from "./chat-output.ts";
import { isRecord, parseJsonBody } from "./chat-request.ts";
import { embeddingPrompts } from "./embeddings.ts";
import { LlamaError } from "./llama-response.ts";
import type { SimConfig } from "./sim-context.ts";
import { parseLogitBias } from "./sim-logit-bias.ts";
import { truncatePromptTokens } from "./sim-tokenize.ts";
import { parseStop } from "./stop-words.ts";

export interface CompletionPrompt {
  /** What the story is keyed on: the prompt's text, or its token ids when it came as tokens. */
  text: string;
  /** prompt_tokens: BOS plus the text's tokens, or the tokens as given; truncated like chat prompts past nCtx. */
  tokens: number;
  truncated: boolean;
}

export interface CompletionRequest extends TextParams {
  /** `/completion` and `/completions` answer llama's own format; `/v1/completions` OpenAI's. */
  native: boolean;
  prompts: CompletionPrompt[];
  model: string;
  stream: boolean;
  postSampling: boolean;
}

const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? Math.trunc(x) : undefined);

/** OpenAI's fields that llama-server refuses on /v1/completions; build b4748 refuses `echo` even when false. */
function checkUnsupported(body: Record<string, unknown>, legacy: boolean): void {
  if (!legacy && body.echo === true) throw new LlamaError(500, "Only no echo is supported");
  for (const param of legacy ? ["best_of", "echo", "suffix"] : ["best_of", "suffix"]) {
    if (param in body) throw new LlamaError(500, `Unsupported param: ${param}`);
  }
}

/**
 * `prompt` as tokenize_input_prompts splits it: a string, a token array or a mix is one prompt; an
 * array of strings or token arrays is one prompt each. Strings get BOS.
 */
function promptsOf(prompt: unknown, nCtx: number): CompletionPrompt[] {
  let tokens: number[][];
  try {
    tokens = embeddingPrompts(prompt);
  } catch (error) {
    throw new LlamaError(400, (error as Error).message);
  }
  if (tokens.length === 0) throw new LlamaError(400, '"prompt" must not be empty');
  const several = Array.isArray(prompt) && !prompt.some((x) => typeof x === "number");
  const texts = several ? (prompt as unknown[]) : [prompt];
  return tokens.map((t, i) => {
    const source = texts[i];
    const kept = truncatePromptTokens(t.length, nCtx);
    return { text: typeof source === "string" ? source : JSON.stringify(t), tokens: kept, truncated: kept < t.length };
  });
}

/** A legacy text completion request, read as oaicompat_completion_params_parse (OpenAI route) and params_from_json_cmpl read it. */
export function parseCompletionRequest(raw: string, native: boolean, config: SimConfig): CompletionRequest {
  const legacy = config.toolsMode === "legacy";
  const parsed = parseJsonBody(raw);
  const body = isRecord(parsed) ? parsed : {};
  if (!native) {
    if (!("prompt" in body)) throw new LlamaError(500, '"prompt" is required');
    if (typeof body.n === "number" && body.n !== 1) throw new LlamaError(500, "Only one completion choice is allowed");
    checkUnsupported(body, legacy);
  } else if (!("prompt" in body)) {
    throw new LlamaError(400, "[json.exception.out_of_range.403] key 'prompt' not found");
  }
  // The OpenAI `logprobs` of this route is a count; native n_probs wins when given.
  const nProbs = num(body.n_probs) ?? (typeof body.logprobs === "boolean" ? Number(body.logprobs) : num(body.logprobs)) ?? 0;
  return {
    native,
    prompts: promptsOf(body.prompt, config.nCtx),
    model: typeof body.model === "string" ? body.model : "gpt-3.5-turbo",
    stream: body.stream === true,
    maxTokens: num(body.n_predict) ?? (legacy ? undefined : num(body.max_completion_tokens)) ?? num(body.max_tokens) ?? null,
    seed: typeof body.seed === "number" ? body.seed : undefined,
    stop: parseStop(body.stop),
    bias: body.logit_bias === undefined ? undefined : parseLogitBias(body.logit_bias, legacy),
    nProbs: Math.max(0, nProbs),
    postSampling: body.post_sampling_probs === true,
  };
}
