import { randomUUID } from "node:crypto";
import { createLogger } from "@gateway/observability";
import { parseEdgeEnv } from "../src/env.ts";
import { startEdge, type RunningEdge } from "../src/start-edge.ts";

export const TEST_KEY = "sk-test-0123456789abcdef";
export const MODEL = "test-model";

/** An edge in-process on a free port, with its own Redis namespace so tests never share state. */
export async function startTestEdge(overrides: Record<string, string> = {}): Promise<RunningEdge & { prefix: string }> {
  const prefix = `test-${randomUUID()}`;
  const env = parseEdgeEnv({
    PORT: "0",
    QUEUE_PREFIX: prefix,
    GATEWAY_API_KEYS: `${TEST_KEY}:tenant-a:free`,
    LLAMA_SERVER_URLS: "http://127.0.0.1:1",
    GATEWAY_MODEL: MODEL,
    LOG_LEVEL: "silent",
    ...overrides,
  });
  const edge = await startEdge(env, createLogger({ service: "edge", level: "silent", sync: true }));
  return { ...edge, prefix };
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: "user", content: "Once upon a time" }],
  ...extra,
});

export function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
