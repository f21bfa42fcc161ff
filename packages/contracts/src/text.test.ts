import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { chatCompletionRequest } from "./chat.ts";
import { completionRequest } from "./completions.ts";
import { rerankRequest } from "./rerank.ts";
import { CreateConversationRequest, PostMessageRequest, UpdateConversationRequest } from "./conversations.ts";
import { embeddingsRequest } from "./embeddings.ts";
import { CreateJobRequest } from "./jobs.ts";
import { CreateApiKeyRequest, ListQuery, UpdateApiKeyRequest } from "./keys.ts";
import { isStorableText, PathId } from "./text.ts";
import { WsClientMessage } from "./ws.ts";

/** What a client may put in a string that no store downstream can hold. */
const POISONS = ["\u0000", "\ud800", "\udfff", "a\ud83d"];

/** Every string leaf of a JSON value, with its path. */
function stringLeaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...path, i]));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...path, k]));
  return [];
}

function withLeaf(value: unknown, path: (string | number)[], replace: (s: string) => string): unknown {
  if (path.length === 0) return replace(value as string);
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head!] = withLeaf(copy[head!], rest, replace);
  return copy;
}

const models = new Map([["m", { maxOutputTokens: 100 }]]);
/** A valid example of every request contract whose strings end up stored or passed on, filled in every string field. */
const CASES: [string, z.ZodType, unknown][] = [
  [
    "chat completion",
    chatCompletionRequest({ maxContentChars: 1000, models }),
    {
      model: "m",
      messages: [
        { role: "system", content: "be brief", name: "sys" },
        { role: "user", content: [{ type: "text", text: "hi" }] },
      ],
      stop: ["x", "y"],
      user: "u-1",
    },
  ],
  [
    "chat completion with tools, tool results, images and structured output",
    chatCompletionRequest({ maxContentChars: 1000, models }),
    {
      model: "m",
      messages: [
        { role: "developer", content: [{ type: "text", text: "answer in JSON" }], name: "ops" },
        {
          role: "user",
          content: [
            { type: "text", text: "weather?" },
            { type: "image_url", image_url: { url: "https://img.example.com/a.png" } },
          ],
        },
        {
          role: "assistant",
          content: "let me look",
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        },
        { role: "tool", tool_call_id: "call_1", content: "21C" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "weather of a city",
            parameters: {
              type: "object",
              description: "the input",
              properties: { city: { type: "string", enum: ["Paris"] } },
              required: ["city"],
            },
          },
        },
      ],
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", description: "the answer", schema: { type: "object", title: "t" } },
      },
      metadata: { team: "search" },
    },
  ],
  [
    "chat completion with a grammar",
    chatCompletionRequest({ maxContentChars: 1000, models }),
    { model: "m", messages: [{ role: "user", content: "hi" }], grammar: 'root ::= "yes"' },
  ],
  [
    "legacy completion",
    completionRequest({ maxContentChars: 1000, models }),
    { model: "m", prompt: ["Once", "upon"], stop: ["."], user: "u-1" },
  ],
  [
    "rerank",
    rerankRequest({ maxContentChars: 1000, models: new Set(["m"]) }),
    { model: "m", query: "cats", documents: ["a cat", "a dog"], user: "u" },
  ],
  ["embeddings", embeddingsRequest({ maxInputChars: 1000, models: new Set(["m"]) }), { model: "m", input: ["one", "two"], user: "u-1" }],
  ["conversation", CreateConversationRequest, { model: "m", system_prompt: "sys", title: "t", metadata: { team: "a" } }],
  ["conversation update", UpdateConversationRequest, { title: "t", system_prompt: "s", metadata: { k: "v" } }],
  ["conversation message", PostMessageRequest, { content: "hello", stop: ["."] }],
  ["job", CreateJobRequest, { type: "chat.completion", request: {}, webhook_url: "https://hooks.example.com/a" }],
  ["API key", CreateApiKeyRequest, { tenant_id: "t1", name: "ci", tier: "free", allowed_models: ["m"] }],
  ["API key update", UpdateApiKeyRequest, { name: "ci", allowed_models: ["m"] }],
  ["list query", ListQuery, { after: "conv_1" }],
  ["WebSocket auth", WsClientMessage, { type: "auth", api_key: "sk-1" }],
  ["WebSocket chat", WsClientMessage, { type: "chat.completion", id: "r1", request: {} }],
];

describe("storable text", () => {
  it("when a string holds NUL or an unpaired surrogate, then it is not storable; paired surrogates are", () => {
    for (const poison of POISONS) expect(isStorableText(`ok${poison}`)).toBe(false);
    expect(isStorableText("emoji \ud83d\ude00 and accents é")).toBe(true);
    expect(PathId.safeParse("conv_\u0000").success).toBe(false);
  });

  it("when a conversation's metadata key holds NUL, then it is refused", () => {
    expect(CreateConversationRequest.safeParse({ model: "m", metadata: { "te\u0000am": "a" } }).success).toBe(false);
  });

  it.each(CASES)(
    "when any string of a %s request holds NUL or an unpaired surrogate, then it is refused at that field",
    (_name, schema, valid) => {
      expect(schema.safeParse(valid).success).toBe(true);
      const leaves = stringLeaves(valid).filter((path) => !["type", "role", "tier"].includes(String(path.at(-1))));
      expect(leaves.length).toBeGreaterThan(0);
      for (const path of leaves) {
        for (const poison of POISONS) {
          const result = schema.safeParse(withLeaf(valid, path, (s) => `${s}${poison}`));
          expect(result.success, `${path.join(".")} with ${JSON.stringify(poison)}`).toBe(false);
          expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path.join("."));
        }
      }
    },
  );
});
