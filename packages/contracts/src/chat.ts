import { z } from "zod";
import { checkMessageOrder, requestMessage } from "./chat-messages.ts";
import { FunctionTool, MAX_TOOLS, ResponseFormat, ToolChoice } from "./chat-tools.ts";
import { BoundedJsonSchema } from "./json-schema.ts";
import { LlamaSampling, MAX_TOP_LOGPROBS } from "./llama-sampling.ts";
import { checkMaxTokens, checkModel } from "./model-checks.ts";
import { Text } from "./text.ts";

export * from "./chat-messages.ts";
export * from "./chat-response.ts";

export interface ChatLimits {
  /** Longest accepted message content, in characters. */
  maxContentChars: number;
  /** Configured model ids, and the largest max_tokens each accepts. */
  models: ReadonlyMap<string, { maxOutputTokens: number }>;
}

/** Fields the OpenAI API (or llama-server) defines that this gateway refuses rather than silently ignores. */
export const UNSUPPORTED_FIELDS = [
  "functions",
  "function_call",
  "audio",
  "modalities",
  "prediction",
  "store",
  "service_tier",
  "reasoning_effort",
  "web_search_options",
  "id_slot",
] as const;

/** Why each refused field is refused: the 400 says it. */
export const UNSUPPORTED_REASONS: Record<(typeof UNSUPPORTED_FIELDS)[number], string> = {
  functions: "is OpenAI's deprecated form of tools: send tools",
  function_call: "is OpenAI's deprecated form of tool_choice: send tool_choice",
  audio: "is not supported: llama-server generates text",
  modalities: "is not supported: llama-server generates text",
  prediction: "is not supported by llama-server",
  store: "is not supported: this gateway stores no completions",
  service_tier: "is not supported: the API key's tier decides",
  reasoning_effort: "is not supported by llama-server",
  web_search_options: "is not supported: the gateway searches nothing",
  id_slot: "is chosen by the gateway: each request gets a free slot of a healthy backend",
};

/** OpenAI's limits on `metadata`. */
const Metadata = z.record(Text.max(64), Text.max(512)).refine((m) => Object.keys(m).length <= 16, "must have at most 16 keys");

/** OpenAI's form: token id (a decimal string) to a bias from -100 to 100. */
export const LogitBias = z
  .record(Text.regex(/^\d{1,10}$/, "must be a token id"), z.number().min(-100).max(100))
  .refine((b) => Object.keys(b).length <= 1_024, "must have at most 1024 entries");

const refused = (reason: string) => z.never(reason).optional();

/**
 * The request fields every generation (chat or legacy completion) takes: OpenAI's sampling,
 * streaming and stop fields, llama.cpp's output constraints (`json_schema`, `grammar`) and its
 * sampling fields.
 */
export const GENERATION_REQUEST_FIELDS = {
  max_tokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  seed: z.number().int().optional(),
  stop: z.union([Text.min(1), z.array(Text.min(1)).min(1).max(4)]).optional(),
  stream: z.boolean().optional(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: Text.max(256).optional(),
  logit_bias: LogitBias.optional(),
  /** llama.cpp's own: constrain the output to a JSON Schema, or to a GBNF grammar. */
  json_schema: BoundedJsonSchema.optional(),
  grammar: Text.min(1).max(100_000).optional(),
  ...LlamaSampling,
};

/**
 * The chat completion request, validated against the configured models and limits. Unknown
 * fields are rejected (OpenAI does the same), so a typo like `max_token` is an error rather
 * than an unbounded generation; see docs/architecture.md.
 */
export function chatCompletionRequest(limits: ChatLimits) {
  const tokens = z.number().int().min(1);
  return z
    .strictObject({
      model: Text.min(1),
      messages: z.array(requestMessage(limits.maxContentChars)).min(1, "must contain at least one message").superRefine(checkMessageOrder),
      ...GENERATION_REQUEST_FIELDS,
      max_completion_tokens: tokens.optional(),
      n: z.literal(1, "must be 1: llama-server generates one choice per request").optional(),
      /** Kept with the job (operators see it in the queue), never sent to a backend. */
      metadata: Metadata.optional(),
      tools: z.array(FunctionTool).max(MAX_TOOLS, `must have at most ${MAX_TOOLS} tools`).optional(),
      tool_choice: ToolChoice.optional(),
      parallel_tool_calls: z.boolean().optional(),
      response_format: ResponseFormat.optional(),
      /** llama.cpp's own: constrain the output to a JSON Schema, or to a GBNF grammar. */
      logprobs: z.boolean().optional(),
      top_logprobs: z.number().int().min(0).max(MAX_TOP_LOGPROBS).optional(),
      ...Object.fromEntries(Object.entries(UNSUPPORTED_REASONS).map(([f, reason]) => [f, refused(reason)])),
    })
    .superRefine((req, ctx) => {
      const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
      if (!checkModel(limits.models, req.model, ctx)) return;
      checkMaxTokens(req, ["max_tokens", "max_completion_tokens"], limits.models.get(req.model)!.maxOutputTokens, ctx);
      checkTools(req, issue);
      if (req.top_logprobs !== undefined && req.logprobs !== true) issue(["top_logprobs"], "needs logprobs: true");
      const structured = req.response_format !== undefined && req.response_format.type !== "text";
      if (req.json_schema !== undefined && structured) issue(["json_schema"], "cannot be combined with a json response_format");
      if (req.grammar !== undefined && (structured || req.json_schema !== undefined))
        issue(["grammar"], "cannot be combined with json_schema or a json response_format");
      if (req.grammar !== undefined && (req.tools?.length ?? 0) > 0 && req.tool_choice !== "none")
        issue(["grammar"], "cannot constrain the output while tools may be called (llama-server refuses it)");
    });
}
export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequest>>;

type Issue = (path: (string | number)[], message: string) => void;

/** Tool names are unique, and a tool_choice that names or requires a tool has tools to choose from. */
function checkTools(req: Pick<ChatCompletionRequest, "tools" | "tool_choice" | "parallel_tool_calls">, issue: Issue): void {
  const names = (req.tools ?? []).map((t) => t.function.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) issue(["tools", i, "function", "name"], `tool '${name}' is defined twice`);
  });
  const choice = req.tool_choice;
  if (names.length === 0) {
    if (choice !== undefined && choice !== "none" && choice !== "auto") issue(["tool_choice"], "needs tools to choose from");
    if (req.parallel_tool_calls !== undefined) issue(["parallel_tool_calls"], "needs tools");
    return;
  }
  if (typeof choice === "object" && !names.includes(choice.function.name))
    issue(["tool_choice", "function", "name"], `no tool named '${choice.function.name}' in tools`);
}
