import type { BackendMeta, ChatJob, ChatMessage, ChatParams, FunctionTool } from "@gateway/contracts";

/** OpenAI fields llama-server reads differently from OpenAI (or not at all): translated below, never copied. */
const TRANSLATED = new Set<string>(["messages", "tools", "tool_choice", "response_format", "logit_bias", "top_logprobs"]);

/**
 * b4748 answers 500 to a function without `description` ("key 'description' not found"); newer
 * builds take it as empty. An empty one is what both read the same way.
 */
const described = (tool: FunctionTool): FunctionTool =>
  tool.function.description === undefined ? { ...tool, function: { ...tool.function, description: "" } } : tool;

/** A template that knows no `developer` role would render it as one the model never saw: it is system there. */
function messagesFor(messages: ChatMessage[], meta: BackendMeta): ChatMessage[] {
  if (meta.developer_role === true || !messages.some((m) => m.role === "developer")) return messages;
  return messages.map((m) => (m.role === "developer" ? { ...m, role: "system" } : m));
}

/** The tool fields as llama-server reads them: a named tool_choice (which every build takes as "auto") becomes "required" of that tool alone. */
function toolFields(params: ChatParams, body: Record<string, unknown>): void {
  const { tools, tool_choice } = params;
  if (!tools || tools.length === 0) return;
  if (typeof tool_choice === "object") {
    body.tools = tools.filter((t) => t.function.name === tool_choice.function.name).map(described);
    body.tool_choice = "required";
  } else {
    body.tools = tools.map(described);
    if (tool_choice !== undefined) body.tool_choice = tool_choice;
  }
}

/**
 * Structured output as every build enforces it: b4748 ignores `response_format: json_schema`
 * (its schema is dropped by a shadowed variable) but enforces the native `json_schema` field,
 * which newer builds read too; json_object goes as it is (a grammar for any JSON).
 */
function formatFields(params: ChatParams, body: Record<string, unknown>): void {
  const format = params.response_format;
  if (format?.type === "json_schema") body.json_schema = format.json_schema.schema ?? {};
  else if (format?.type === "json_object") body.response_format = { type: "json_object" };
}

/**
 * OpenAI's logprobs as llama-server reads them: `top_logprobs` left out means 20 alternatives
 * there (none at OpenAI) and 0 means 1, so at least 1 is asked and the answer trimmed to what
 * the client asked (ChatAnswer). OpenAI's object form of logit_bias is ignored by b4748, which
 * reads only `[[id, bias]]`, as newer builds also do.
 */
function samplingFields(params: ChatParams, body: Record<string, unknown>): void {
  if (params.logprobs === true) body.top_logprobs = Math.max(1, params.top_logprobs ?? 0);
  if (params.logit_bias) body.logit_bias = Object.entries(params.logit_bias).map(([id, bias]) => [Number(id), bias]);
}

/**
 * The body sent to llama-server for a chat job on one backend (its facts say what it reads):
 * streamed with usage requested unless `stream` is false (tokens are then counted even when the
 * request fails, and a cancel frees the slot), always with a bounded max_tokens (llama-server
 * treats a missing or mistyped one, and b4748 also max_completion_tokens, as "until the context
 * is full"). Plain chat copies its few fields and nothing else.
 */
export function llamaChatBody(job: ChatJob, meta: BackendMeta, stream = true): Record<string, unknown> {
  const { params } = job;
  const body: Record<string, unknown> = {
    model: job.model,
    messages: messagesFor(params.messages, meta),
    stream,
    ...(stream && { stream_options: { include_usage: true } }),
  };
  for (const [key, value] of Object.entries(params)) if (value !== undefined && !TRANSLATED.has(key)) body[key] = value;
  toolFields(params, body);
  formatFields(params, body);
  samplingFields(params, body);
  return body;
}

/**
 * Whether the job's answer must be asked for whole (stream: false) from this backend: tools on a
 * build that cannot stream them, or tools with logprobs, which newer builds refuse on a stream
 * ("logprobs is not supported with tools + stream"); the worker streams upstream whenever it can.
 * The worker then streams the answer to the client itself.
 */
export function needsWholeAnswer(job: ChatJob, meta: BackendMeta): boolean {
  if ((job.params.tools?.length ?? 0) === 0) return false;
  return meta.streamed_tools === false || job.params.logprobs === true;
}

/** b4748's refusal of tools on a stream, which comes before any token: the request is re-sent whole. */
export const TOOLS_STREAM_REFUSAL = /Cannot use tools with stream/i;
