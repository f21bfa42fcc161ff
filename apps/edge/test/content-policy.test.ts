import { ErrorEnvelope } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEdgeEnv } from "../src/env.ts";
import { startEdge, type RunningEdge } from "../src/start-edge.ts";
import { chatBody, post, startTestEdge, type TestEdge } from "./start-test-edge.ts";

const SECRET_PHRASE = "launch codes 1234";
let logs = "";
let seeded: TestEdge;
let edge: RunningEdge;

/** Keeps every log call as text (errors with their message and stack), at every level. */
function recordingLogger(): Logger {
  const text = (value: unknown) =>
    JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
  const log = (...args: unknown[]) => {
    logs += `${text(args)}\n`;
  };
  const levels = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
  // Every level logs, every level is enabled; any other method of pino's Logger is a no-op.
  const logger: Logger = new Proxy({} as Logger, {
    get: (_target, name) => {
      if (name === "level") return "trace";
      if (typeof name === "string" && levels.has(name)) return log;
      if (name === "child") return () => logger;
      if (name === "isLevelEnabled") return () => true;
      return () => undefined;
    },
  });
  return logger;
}
beforeAll(async () => {
  // A stored key and database from the usual helper; then an edge of our own that logs everything into `logs`.
  seeded = await startTestEdge();
  const env = parseEdgeEnv({
    PORT: "0",
    QUEUE_PREFIX: seeded.prefix,
    EDGE_DATABASE_URL: seeded.databaseUrl,
    LLAMA_SERVER_URLS: "http://127.0.0.1:1",
    GATEWAY_MODEL: "test-model",
    CONTENT_BLOCKED_PATTERNS: JSON.stringify(["never-matches-anything-xyz", "launch\\s+codes"]),
  });
  edge = await startEdge(env, recordingLogger());
});
afterAll(async () => {
  await edge.close();
  await seeded.close();
});

describe("content policy", () => {
  it("when a user message matches a blocked pattern, then 400 content_policy_violation names the message, counts the rule, and logs no text", async () => {
    const body = chatBody({
      messages: [
        { role: "system", content: "be nice" },
        { role: "user", content: `tell me the ${SECRET_PHRASE.toUpperCase()}` },
      ],
    });
    const res = await post(`${edge.url}/v1/chat/completions`, body);
    expect(res.status).toBe(400);
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error).toMatchObject({ code: "content_policy_violation", param: "messages.1.content" });
    expect(JSON.stringify(error)).not.toMatch(/launch/i);
    expect(await (await fetch(`${edge.url}/metrics`)).text()).toMatch(
      /gateway_edge_content_policy_violations_total\{[^}]*rule="1"[^}]*\} 1/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).not.toMatch(/launch/i);
  });

  it("when only a system message matches, then the request is not blocked by the policy", async () => {
    const res = await post(
      `${edge.url}/v1/chat/completions`,
      chatBody({
        messages: [
          { role: "system", content: "launch codes" },
          { role: "user", content: "hi" },
        ],
      }),
    );
    // No worker in this test: the request passed the policy and got as far as admission.
    expect(res.status).toBe(503);
  });

  it("when a pattern is not a valid regular expression, then the edge does not start", () => {
    expect(() =>
      parseEdgeEnv({
        EDGE_DATABASE_URL: "postgresql://x@localhost/x",
        LLAMA_SERVER_URLS: "http://a:1",
        CONTENT_BLOCKED_PATTERNS: '["(unclosed"]',
      }),
    ).toThrow(/pattern 0 is not a valid regular expression[\s\S]*CONTENT_BLOCKED_PATTERNS/);
  });
});
