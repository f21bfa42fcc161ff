import { COMPLETION_UNSUPPORTED_FIELDS, completionRequest, TextCompletion, UsageWithCost } from "@gateway/contracts";
import { modelIndex } from "../models/model-index.ts";
import { errorResponses, INFERENCE_ERRORS } from "./error-responses.ts";
import { documentedRequest, json, ok, RATE_LIMIT_HEADERS, SECURITY, sse, type DocContext } from "./openapi-kit.ts";

const REQUEST_EXAMPLE = { model: "stories260k", prompt: ["Once upon a time", "The dog"], max_tokens: 16 };

const RESPONSE_EXAMPLE = {
  id: "cmpl-req_3f1c2b9a8e7d4c6b5a4f3e2d1c0b9a8e",
  object: "text_completion",
  created: 1764400000,
  model: "stories260k",
  choices: [
    { text: ", there was a little girl named Lily.", index: 0, logprobs: null, finish_reason: "stop" },
    { text: " ran to the park to play.", index: 1, logprobs: null, finish_reason: "stop" },
  ],
  usage: { prompt_tokens: 8, completion_tokens: 17, total_tokens: 25, cost: "0.000038" },
};

const STREAM_EXAMPLE = [
  'id: 0\ndata: {"id":"cmpl-req_3f1c","object":"text_completion","created":1764400000,"model":"stories260k","choices":[{"text":", there","index":0,"logprobs":null,"finish_reason":null}]}',
  'id: 1\ndata: {"id":"cmpl-req_3f1c","object":"text_completion","created":1764400000,"model":"stories260k","choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}]}',
  'id: 2\ndata: {"id":"cmpl-req_3f1c","object":"text_completion","created":1764400000,"model":"stories260k","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"cost":"0.000005"}}',
  "id: 3\ndata: [DONE]",
].join("\n\n");

export function documentCompletions({ registry, config, schema }: DocContext): void {
  const models = [...modelIndex(config)].filter(([, m]) => m.backends.length > 0).map(([name]) => name);
  const request = completionRequest({ maxContentChars: config.max_content_chars, models: new Map() });
  const body = schema(
    "CompletionRequest",
    documentedRequest(
      request,
      [...COMPLETION_UNSUPPORTED_FIELDS, "id_slot"],
      models,
      "OpenAI's legacy text completion: `prompt` a string, strings, token ids or token-id arrays (one choice each), `echo`, " +
        "`logprobs` (0-5, OpenAI's legacy arrays), and llama.cpp's sampling fields as for chat.",
    ),
  );
  registry.registerPath({
    method: "post",
    path: "/v1/completions",
    operationId: "createCompletion",
    summary: "Create a text completion (legacy)",
    description:
      "Runs on the model's chat backends, each prompt on its own slot, through the same queue, limits and billing as chat; one " +
      "`text_completion` answers all prompts, a choice per prompt, usage summed.",
    tags: ["Completions"],
    security: SECURITY.apiKey,
    request: { body: { required: true, content: json(body, REQUEST_EXAMPLE) } },
    responses: {
      200: {
        ...ok(
          "The completion (`usage.cost` is the exact cost). With `stream: true`: server-sent events, each `data:` a `text_completion` " +
            "chunk of one choice (choices interleave, each ends with its finish_reason), then the usage chunk (with " +
            "`stream_options.include_usage`) and `data: [DONE]`.",
          undefined,
          { ...RATE_LIMIT_HEADERS, "x-usage-cost": { $ref: "#/components/headers/UsageCost" } },
        ),
        content: {
          ...json(schema("TextCompletion", TextCompletion.extend({ usage: UsageWithCost })), RESPONSE_EXAMPLE),
          ...sse("", STREAM_EXAMPLE).content,
        },
      },
      ...errorResponses(...INFERENCE_ERRORS, "max_tokens_exceeded", "context_length_exceeded"),
    },
  });
}
