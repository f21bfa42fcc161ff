import { messagesError, parseMessages } from "./chat-messages.ts";
import { LlamaError } from "./llama-response.ts";
import type { SimConfig } from "./sim-context.ts";
import { parseLogitBias, type LogitBias } from "./sim-logit-bias.ts";
import { parseToolChoice, parseTools, type ToolChoice, type ToolSpec } from "./sim-tools.ts";
import type { SimMessage } from "./sim-tokenize.ts";
import { parseStop } from "./stop-words.ts";
import { parseOutputFormat, type OutputFormat } from "./structured-output.ts";

export interface ChatRequest {
  messages: SimMessage[];
  model: string;
  stream: boolean;
  /** n_predict, else (newer builds) max_completion_tokens, else max_tokens; null when absent or not a number: unlimited. */
  maxTokens: number | null;
  seed: number | undefined;
  includeUsage: boolean;
  tools: ToolSpec[];
  /** The request's tools as sent, for the prompt they are rendered into. */
  toolsJson: unknown[] | undefined;
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  format: OutputFormat;
  /** How many top log-probabilities each token carries; 0 means no `logprobs` at all. */
  nProbs: number;
  /** post_sampling_probs: probabilities (`prob`, `top_probs`) instead of log-probabilities. */
  postSampling: boolean;
  stop: string[];
  bias: LogitBias | undefined;
}

/** Body parse failures are 500s on llama-server (an uncaught nlohmann exception), not 400s. */
export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new LlamaError(500, `[json.exception.parse_error.101] parse error: ${(error as Error).message}`);
  }
}

export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? Math.trunc(x) : undefined);

/** `--jinja` is what lets a chat request carry tools; b4748 and newer builds word the refusal differently. */
function checkJinja(body: Record<string, unknown>, hasTools: boolean, legacy: boolean): void {
  if (hasTools) throw new LlamaError(500, "tools param requires --jinja flag");
  if (legacy && body.tool_choice !== undefined && body.tool_choice !== null) throw new LlamaError(500, "Unsupported param: tool_choice");
  if (!legacy && typeof body.tool_choice === "string" && body.tool_choice !== "auto") {
    throw new LlamaError(500, "tool_choice param requires --jinja flag");
  }
}

/**
 * n_probs as the server derives it: `logprobs: true` takes top_logprobs (default 20); top_logprobs
 * without it is refused; native n_probs works alone. `top_logprobs: 0` ends up as 1, because the
 * server then reads the boolean `logprobs` itself as the count.
 */
function probsOf(body: Record<string, unknown>, toolsStream: boolean, legacy: boolean): number {
  if (body.logprobs === true) {
    if (toolsStream) throw new LlamaError(400, "logprobs is not supported with tools + stream");
    const n = num(body.top_logprobs) ?? 20;
    return n === 0 ? 1 : Math.max(0, n);
  }
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) {
    throw new LlamaError(legacy ? 500 : 400, "top_logprobs requires logprobs to be set to true");
  }
  return Math.max(0, num(body.n_probs) ?? 0);
}

/**
 * Reads a chat request as llama-server does (oaicompat_completion_params_parse): missing/ill-shaped
 * `messages` and `n > 1` are 500s; fields with the wrong type fall back to their defaults, unknown
 * fields (native sampling fields such as top_k or mirostat, dimensions) are ignored.
 */
export function parseChatRequest(raw: string, config: SimConfig): ChatRequest {
  const legacy = config.toolsMode === "legacy";
  const body = parseJsonBody(raw);
  if (!isRecord(body)) throw new LlamaError(500, "[json.exception.type_error.304] cannot use at() with non-object");
  const rawMessages = body.messages;
  if (rawMessages === undefined) throw new LlamaError(500, "[json.exception.out_of_range.403] key 'messages' not found");
  if (!Array.isArray(rawMessages)) {
    if (legacy) throw messagesError(`Expected 'messages' to be an array, got ${JSON.stringify(rawMessages)}`, rawMessages);
    throw new LlamaError(500, `Expected 'messages' to be an array, got ${typeof rawMessages}`);
  }
  if (typeof body.n === "number" && body.n !== 1) throw new LlamaError(500, "Only one completion choice is allowed");
  const stream = body.stream === true;
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  if (hasTools && stream && legacy) throw new LlamaError(500, "Cannot use tools with stream");
  if (!config.jinja) checkJinja(body, hasTools, legacy);
  const format = parseOutputFormat(body, legacy);
  const messages = parseMessages(rawMessages, { legacy, vision: config.vision });
  const tools = parseTools(body.tools, legacy);
  const toolChoice = parseToolChoice(body.tool_choice);
  if (tools.length > 0 && toolChoice !== "none" && body.grammar !== undefined) {
    throw new LlamaError(legacy ? 500 : 400, "Cannot use custom grammar constraints with tools.");
  }
  const options = body.stream_options;
  return {
    messages,
    model: typeof body.model === "string" ? body.model : "gpt-3.5-turbo",
    stream,
    maxTokens: num(body.n_predict) ?? (legacy ? undefined : num(body.max_completion_tokens)) ?? num(body.max_tokens) ?? null,
    seed: typeof body.seed === "number" ? body.seed : undefined,
    includeUsage: isRecord(options) && options.include_usage === true,
    tools,
    toolsJson: hasTools ? (body.tools as unknown[]) : undefined,
    toolChoice,
    parallelToolCalls: body.parallel_tool_calls === true,
    format,
    nProbs: probsOf(body, hasTools && stream, legacy),
    postSampling: body.post_sampling_probs === true,
    stop: parseStop(body.stop),
    bias: body.logit_bias === undefined ? undefined : parseLogitBias(body.logit_bias, legacy),
  };
}
