import { ErrorEnvelope } from "@gateway/contracts";
import { createRegistry, type Logger } from "@gateway/observability";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEdgeEnv } from "../src/env.ts";
import { contentPolicy } from "../src/limits/content-policy.ts";
import { limitMetrics } from "../src/limits/limit-metrics.ts";
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

  it.each(["system", "assistant"])("when only a %s message matches, then the request is refused all the same", async (role) => {
    const res = await post(
      `${edge.url}/v1/chat/completions`,
      chatBody({
        messages: [
          { role, content: "here are the launch codes" },
          { role: "user", content: "hi" },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code: "content_policy_violation", param: "messages.0.content" });
  });

  it("when a pattern is not a valid regular expression, then the edge does not start", () => {
    expect(() =>
      parseEdgeEnv({
        EDGE_DATABASE_URL: "postgresql://x@localhost/x",
        LLAMA_SERVER_URLS: "http://a:1",
        CONTENT_BLOCKED_PATTERNS: '["fine", "(unclosed"]',
      }),
    ).toThrow(/pattern 1 is not a valid RE2 regular expression[\s\S]*CONTENT_BLOCKED_PATTERNS/);
  });

  it("when a pattern needs backtracking (a backreference), then the edge does not start: RE2 cannot run it in linear time", () => {
    expect(() =>
      parseEdgeEnv({
        EDGE_DATABASE_URL: "postgresql://x@localhost/x",
        LLAMA_SERVER_URLS: "http://a:1",
        CONTENT_BLOCKED_PATTERNS: JSON.stringify(["(a+)\\1"]),
      }),
    ).toThrow(/pattern 0 is not a valid RE2 regular expression/);
  });

  it("when a careless pattern meets a hostile input, then matching stays linear (the event loop is not stalled)", () => {
    const env = parseEdgeEnv({
      EDGE_DATABASE_URL: "postgresql://x@localhost/x",
      LLAMA_SERVER_URLS: "http://a:1",
      CONTENT_BLOCKED_PATTERNS: JSON.stringify(["(a+)+$"]),
    });
    const policy = contentPolicy(env.CONTENT_BLOCKED_PATTERNS, limitMetrics(createRegistry("policy-test")));
    const started = performance.now();
    // A backtracking engine takes minutes on this (2^30 paths); RE2 takes milliseconds.
    policy([{ param: "messages.0.content", text: `${"a".repeat(30)}!` }]);
    policy([{ param: "messages.0.content", text: `${"a".repeat(50_000)}!` }]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
