import { GatewayConfig } from "@gateway/contracts";
import { egressPolicy } from "@gateway/egress";
import { createRegistry } from "@gateway/observability";
import { describe, expect, it } from "vitest";
import type { Principal } from "../auth/principal.ts";
import { compileBlockedPatterns, contentPolicy } from "../limits/content-policy.ts";
import { limitMetrics } from "../limits/limit-metrics.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import { chatJobPreparer } from "./prepare-chat-job.ts";
import { embeddingsJobPreparer } from "./prepare-embeddings-job.ts";

const config = GatewayConfig.parse({ models: [{ id: "m", backends: ["http://a:1"], embedding_backends: ["http://a:1"] }] });
const deps = {
  config,
  contentPolicy: contentPolicy(compileBlockedPatterns(["launch\\s+codes"]), limitMetrics(createRegistry("prepare-test"))),
  requestTimeoutMs: 1_000,
  hub: { channel: "gw:reply:test" } as RelayHub,
  capabilities: () => undefined,
  egress: egressPolicy(),
};
const principal: Principal = { caller: { tenant_id: "t", key_id: "k", tier: "enterprise" }, allowedModels: null, source: "key" };
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return err as { code: string; extra: { param?: string } };
  }
  throw new Error("not refused");
};

describe("the content policy in job preparation", () => {
  const prepareChat = chatJobPreparer(deps);
  const prepareEmbeddings = embeddingsJobPreparer(deps);

  it.each(["system", "assistant", "user"])(
    "when a %s message carries a blocked phrase, then the chat request is refused naming it",
    (role) => {
      const messages = [
        { role, content: "the LAUNCH codes" },
        { role: "user", content: "hi" },
      ];
      expect(refusal(() => prepareChat({ model: "m", messages }, principal, { requestId: "req_1" }))).toMatchObject({
        code: "content_policy_violation",
        extra: { param: "messages.0.content" },
      });
    },
  );

  it("when one embeddings input of several carries a blocked phrase, then the refusal names that input", () => {
    expect(
      refusal(() => prepareEmbeddings({ model: "m", input: ["fine", "launch  codes"] }, principal, { requestId: "req_2" })).extra.param,
    ).toBe("input.1");
    expect(refusal(() => prepareEmbeddings({ model: "m", input: "launch codes" }, principal, { requestId: "req_3" })).extra.param).toBe(
      "input",
    );
    expect(prepareEmbeddings({ model: "m", input: [[1, 2, 3]] }, principal, { requestId: "req_4" }).prompts).toEqual([[1, 2, 3]]);
  });
});
