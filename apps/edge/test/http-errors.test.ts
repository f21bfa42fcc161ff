import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorEnvelope } from "@gateway/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, post, startTestEdge } from "./start-test-edge.ts";

let edge: Awaited<ReturnType<typeof startTestEdge>>;
let url: string;

beforeAll(async () => {
  edge = await startTestEdge({ BODY_LIMIT: "2kb" });
  url = `${edge.url}/v1/chat/completions`;
});
afterAll(() => edge.close());

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const requestId = res.headers.get("x-request-id");
  expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
  const body = ErrorEnvelope.parse(await res.json());
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toBe(requestId);
  return body.error;
}

describe("when the request is malformed, then the edge answers with the envelope and the right status", () => {
  it("when the JSON is malformed, then 400 invalid_json", async () => {
    await expectError(await post(url, '{"model": '), 400, "invalid_json");
  });

  it("when the content type is not JSON, then 415", async () => {
    await expectError(await post(url, "hello", { "content-type": "text/plain" }), 415, "unsupported_media_type");
  });

  it("when the body is larger than the limit, then 413", async () => {
    const big = chatBody({ messages: [{ role: "user", content: "x".repeat(4_000) }] });
    await expectError(await post(url, big), 413, "payload_too_large");
  });

  it("when the route is unknown, then 404", async () => {
    await expectError(await fetch(`${edge.url}/v1/nothing`), 404, "not_found");
  });

  it("when the method is wrong, then 405 with Allow", async () => {
    const res = await fetch(url);
    await expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("when the WebSocket endpoint gets a plain GET, then 426 with Upgrade: websocket", async () => {
    const res = await fetch(`${edge.url}/v1/ws`);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect((await expectError(res, 426, "upgrade_required")).message).toContain("WebSocket");
  });

  it("when the body is a JSON array, then 400 invalid_request", async () => {
    await expectError(await post(url, "[1,2]"), 400, "invalid_request");
  });
});

describe("when the credential is missing or wrong, then 401 with one message for all cases", () => {
  const cases: Array<[string, Record<string, string>]> = [
    ["missing", { authorization: "" }],
    ["not bearer", { authorization: "Basic abc" }],
    ["unknown key", { authorization: "Bearer sk-test-unknown-key-000000" }],
  ];
  it.each(cases)("when the key is %s, then 401", async (_name, headers) => {
    const res = await post(url, chatBody(), headers);
    const error = await expectError(res, 401, "invalid_api_key");
    expect(error.message).toBe("missing or invalid API key: send Authorization: Bearer <key>");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("when a field is invalid, then 400 names the field", () => {
  const cases: Array<[string, Record<string, unknown>, number, string, string]> = [
    ["temperature above 2", { temperature: 2.5 }, 400, "invalid_request", "temperature"],
    ["top_p above 1", { top_p: 1.5 }, 400, "invalid_request", "top_p"],
    ["max_tokens 0", { max_tokens: 0 }, 400, "invalid_request", "max_tokens"],
    ["max_tokens as a string", { max_tokens: "abc" }, 400, "invalid_request", "max_tokens"],
    ["max_tokens above the model limit", { max_tokens: 100_000 }, 400, "max_tokens_exceeded", "max_tokens"],
    ["an unknown model", { model: "gpt-nope" }, 404, "model_not_found", "model"],
    ["an unknown field", { max_token: 5 }, 400, "unknown_parameter", "max_token"],
    ["an unsupported OpenAI field", { functions: [] }, 400, "unsupported_parameter", "functions"],
    ["n above 1", { n: 2 }, 400, "invalid_request", "n"],
    ["no messages", { messages: [] }, 400, "invalid_request", "messages"],
    ["a bad role", { messages: [{ role: "wizard", content: "x" }] }, 400, "invalid_request", "messages.0.role"],
    ["empty content", { messages: [{ role: "user", content: "" }] }, 400, "invalid_request", "messages.0.content"],
    [
      "last message not from the user",
      {
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: "b" },
        ],
      },
      400,
      "invalid_request",
      "messages",
    ],
  ];
  it.each(cases)("when %s, then %i %s", async (_name, extra, status, code, param) => {
    const error = await expectError(await post(url, chatBody(extra)), status, code);
    expect(error.param).toBe(param);
    expect(error.details?.[0]?.path).toBe(param);
  });

  it("when content exceeds the configured maximum length, then 400 says the limit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-"));
    const file = join(dir, "gateway.json");
    writeFileSync(file, JSON.stringify({ models: [{ id: "test-model", backends: ["http://127.0.0.1:1"] }], max_content_chars: 100 }));
    const small = await startTestEdge({ GATEWAY_CONFIG_FILE: file });
    try {
      const long = chatBody({ messages: [{ role: "user", content: "x".repeat(101) }] });
      const error = await expectError(await post(`${small.url}/v1/chat/completions`, long), 400, "invalid_request");
      expect(error.message).toContain("at most 100 characters");
    } finally {
      await small.close();
    }
  });
});

describe("when no worker is alive, then requests are refused honestly", () => {
  it("then a valid request gets 503 backend_unavailable with Retry-After", async () => {
    const res = await post(url, chatBody());
    await expectError(res, 503, "backend_unavailable");
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("then /readyz is 503 and /healthz is 200", async () => {
    expect((await fetch(`${edge.url}/healthz`)).status).toBe(200);
    await expectError(await fetch(`${edge.url}/readyz`), 503, "not_ready");
  });
});

describe("x-request-id", () => {
  it("when the client sends its own id, then the request still gets the server's, and the client's comes back as x-client-request-id", async () => {
    const res = await post(url, chatBody({ temperature: 9 }), { "x-request-id": "client-id-12345678" });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get("x-client-request-id")).toBe("client-id-12345678");
    expect(((await res.json()) as ErrorEnvelope).error.request_id).toBe(id);
  });

  it.each(["short", "has:colon:inside", "1234567890", "req_0123456789abcdef0123456789abcdef"])(
    "when the client sends '%s' (even one shaped like the server's ids), then a new id is generated",
    async (given) => {
      const res = await post(url, chatBody({ temperature: 9 }), { "x-request-id": given });
      expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
      expect(res.headers.get("x-request-id")).not.toBe(given);
    },
  );
});
