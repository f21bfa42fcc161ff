import { ChatCompletion, chatCompletionRequest, UNSUPPORTED_FIELDS, UsageWithCost } from "@gateway/contracts";
import { z } from "zod";
import { modelIndex } from "../models/model-index.ts";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { documentedRequest, json, ok, RATE_LIMIT_HEADERS, SECURITY, sse, type DocContext } from "./openapi-kit.ts";

export const CHAT_REQUEST_EXAMPLE = { model: "stories260k", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 64 };

const TOOLS_REQUEST_EXAMPLE = {
  model: "stories260k",
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
  ],
  tool_choice: "auto",
  max_tokens: 256,
};

const COMPLETION_EXAMPLE = {
  id: "chatcmpl-req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e",
  object: "chat.completion",
  created: 1764400000,
  model: "stories260k",
  choices: [{ index: 0, message: { role: "assistant", content: " there was a little girl named Lily." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, cost: "0.000003" },
};

const TOOL_CALL_EXAMPLE = {
  ...COMPLETION_EXAMPLE,
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_Q2x7bWm1nK0pLr8sT3vY4zA9", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      finish_reason: "tool_calls",
    },
  ],
  usage: { prompt_tokens: 627, completion_tokens: 75, total_tokens: 702, cost: "0.000165" },
};

const LOGPROBS_EXAMPLE = {
  ...COMPLETION_EXAMPLE,
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: " there" },
      finish_reason: "length",
      logprobs: {
        content: [
          {
            token: " there",
            logprob: -0.31,
            bytes: [32, 116, 104, 101, 114, 101],
            top_logprobs: [{ token: " there", logprob: -0.31, bytes: [32, 116, 104, 101, 114, 101] }],
          },
        ],
      },
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13, cost: "0.000002" },
};

const STREAM_EXAMPLE = [
  'id: 0\ndata: {"id":"chatcmpl-req_3f1c","object":"chat.completion.chunk","created":1764400000,"model":"stories260k","choices":[{"index":0,"delta":{"role":"assistant","content":" there"},"finish_reason":null}]}',
  'id: 1\ndata: {"id":"chatcmpl-req_3f1c","object":"chat.completion.chunk","created":1764400000,"model":"stories260k","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  'id: 2\ndata: {"id":"chatcmpl-req_3f1c","object":"chat.completion.chunk","created":1764400000,"model":"stories260k","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13,"cost":"0.000002"}}',
  "id: 3\ndata: [DONE]",
].join("\n\n");

const STREAM_DESCRIPTION =
  "With `stream: true`: OpenAI-style server-sent events, each `data:` a `chat.completion.chunk` with an `id:` (its sequence number), " +
  "then a usage chunk (with `stream_options.include_usage`) and `data: [DONE]`. Tool calls stream as OpenAI's `delta.tool_calls` " +
  "(index, id, type and name once, then the arguments in pieces), also from backends that cannot stream them (the gateway asks " +
  "for the whole answer and streams it). A failure after the first token is a " +
  '`data: {"error": …}` event (the ErrorEnvelope) before `[DONE]`, never a clean-looking truncated answer.';

const REQUEST_DESCRIPTION =
  "An OpenAI chat completion request; unknown fields are refused (400 unknown_parameter). Tools (function tools with JSON Schema " +
  "parameters), `tool` and `developer` messages, image parts (for models whose capabilities include vision; remote URLs are fetched " +
  "by the gateway, never from addresses inside its network), `response_format` (text, json_object, json_schema), llama.cpp's " +
  "`json_schema` and `grammar`, logprobs, logit_bias and llama.cpp's sampling fields (`top_k`, `min_p`, `typical_p`, `repeat_penalty`, " +
  "`repeat_last_n`, `mirostat*`, `dynatemp_range`, `samplers`, `n_probs`, `cache_prompt`) are passed on in the form the backend reads.";

export function documentChat({ registry, config, schema }: DocContext): void {
  const chatModels = [...modelIndex(config)].filter(([, m]) => m.backends.length > 0).map(([name]) => name);
  const request = chatCompletionRequest({ maxContentChars: config.max_content_chars, models: new Map() });
  const body = schema("ChatCompletionRequest", documentedRequest(request, UNSUPPORTED_FIELDS, chatModels, REQUEST_DESCRIPTION));
  const completion = schema("ChatCompletion", ChatCompletion.extend({ usage: UsageWithCost }));
  const headers = z.object({
    "x-request-id": z.string().optional().meta({
      description:
        "Your own id for the request (also as X-Client-Request-Id): a label, logged and echoed as x-client-request-id. The request's id is always the gateway's (its x-request-id).",
    }),
    "idempotency-key": z
      .string()
      .optional()
      .meta({ description: "Makes a retry of the same body return the first request's outcome instead of running again (24 h)." }),
  });

  registry.registerPath({
    method: "post",
    path: "/v1/chat/completions",
    operationId: "createChatCompletion",
    summary: "Create a chat completion",
    description: "Queued fairly by the key's tier, run on a healthy backend, billed once. Works with the official OpenAI SDKs.",
    tags: ["Chat"],
    security: SECURITY.apiKey,
    // One example per body (Swagger UI's "Try it" fills it in): the one that shows the most, tools.
    request: { headers, body: { required: true, content: json(body, TOOLS_REQUEST_EXAMPLE) } },
    responses: {
      200: {
        ...ok(`The completion (\`usage.cost\` is the exact cost). ${STREAM_DESCRIPTION}`, undefined, {
          ...RATE_LIMIT_HEADERS,
          "x-usage-cost": { $ref: "#/components/headers/UsageCost" },
          "x-resume-url": { $ref: "#/components/headers/ResumeUrl" },
        }),
        content: {
          "application/json": {
            schema: completion,
            examples: {
              text: { summary: "a text answer", value: COMPLETION_EXAMPLE },
              tool_calls: { summary: "a tool call (its id is what the tool message answers)", value: TOOL_CALL_EXAMPLE },
              logprobs: { summary: "with logprobs: true, top_logprobs: 1", value: LOGPROBS_EXAMPLE },
            },
          },
          ...sse("", STREAM_EXAMPLE).content,
        },
      },
      ...errorResponses(...INFERENCE_ERRORS, "max_tokens_exceeded", "context_length_exceeded", "idempotency_conflict"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/chat/completions/{id}",
    operationId: "getChatCompletion",
    summary: "Get a chat completion's answer",
    description:
      "The answer of one of your chat requests (streamed or not), for the stream retention after it ended: for a client that lost it (its connection, or the gateway's Redis, went away). Waits for a request still running.",
    tags: ["Chat"],
    security: SECURITY.apiKey,
    request: {
      params: z.object({
        id: z.string().meta({ description: "The request's id (its x-request-id).", example: "req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e" }),
      }),
    },
    responses: {
      200: ok("The completion, with its cost.", json(completion, COMPLETION_EXAMPLE)),
      ...errorResponses("invalid_api_key", "not_found", "upstream_timeout", "rate_limit_exceeded", "concurrency_limit_exceeded"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/chat/completions/{id}/stream",
    operationId: "resumeChatCompletionStream",
    summary: "Resume a chat completion stream",
    description:
      "The `x-resume-url` of a stream: its events after `Last-Event-ID` (or `last_event_id`), then the rest live, numbered as the original stream numbered them.",
    tags: ["Chat"],
    security: SECURITY.apiKey,
    request: {
      params: z.object({
        id: z.string().meta({ description: "The stream's request id.", example: "req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e" }),
      }),
      query: z.object({
        last_event_id: z
          .string()
          .optional()
          .meta({ description: "The last event id received, for clients that cannot send Last-Event-ID." }),
        include_usage: z.enum(["true", "false"]).optional().meta({ description: "Send the usage chunk before [DONE]." }),
      }),
      headers: z.object({ "last-event-id": z.string().optional().meta({ description: "The last event id received." }) }),
    },
    responses: {
      200: sse(STREAM_DESCRIPTION, STREAM_EXAMPLE),
      ...errorResponses("invalid_api_key", "not_found"),
    },
  });
}
