import { randomUUID } from "node:crypto";
import { simCompletion } from "@gateway/test-kit/llama-sim";
import type { ServiceProcess } from "@gateway/test-kit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL, startSystem, type System } from "./start-system.ts";

/** Unguessable text that can only reach a log line by being copied from a request. */
const SECRET = `zebra-${randomUUID()}`;
const BLOCKED = `forbidden-${randomUUID()}`;
const DEBUG_SECRET = `okapi-${randomUUID()}`;
const INFO = { LOG_LEVEL: "info" };

let system: System;

beforeAll(async () => {
  system = await startSystem({
    model: (sims) => ({ embedding_backends: [sims[0]!.url] }),
    edgeEnv: { ...INFO, CONTENT_BLOCKED_PATTERNS: JSON.stringify([BLOCKED]) },
    workerEnv: INFO,
  });
});
afterAll(() => system?.stop());

const prompt = (text: string) => [{ role: "user" as const, content: `Tell me about ${text}, please.` }];

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${system.edgeUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Every line a service wrote, parsed: a service logs JSON only. */
function jsonLines(service: ServiceProcess): Record<string, unknown>[] {
  return service
    .output()
    .split("\n")
    .filter((l) => l.trim().startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("when the gateway serves requests at the info log level", () => {
  it("then no prompt or completion reaches any service's log, unless LOG_CONTENT is on", async () => {
    const completion = simCompletion(prompt(SECRET), 24).text;
    const chat = await post("/v1/chat/completions", { model: MODEL, messages: prompt(SECRET), max_tokens: 24 });
    expect(chat.status).toBe(200);
    const requestId = chat.headers.get("x-request-id");
    expect(((await chat.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(completion);
    const stream = await post("/v1/chat/completions", { model: MODEL, messages: prompt(SECRET), max_tokens: 24, stream: true });
    expect(stream.status).toBe(200);
    await stream.text();
    expect((await post("/v1/embeddings", { model: MODEL, input: [`about ${SECRET}`] })).status).toBe(200);
    // Refusals whose bodies carry the text: blocked content, an unknown field, broken JSON.
    expect((await post("/v1/chat/completions", { model: MODEL, messages: prompt(`${SECRET} ${BLOCKED}`) })).status).toBe(400);
    expect((await post("/v1/chat/completions", { model: MODEL, messages: prompt(SECRET), max_token: 3 })).status).toBe(400);
    expect((await post("/v1/chat/completions", `{"model":"${MODEL}","messages":[{"role":"user","content":"${SECRET}"}`)).status).toBe(400);

    // The positive control: a worker with LOG_CONTENT on at debug level does log what it served.
    const infoWorker = system.services.worker;
    expect(await infoWorker.stop()).toBe(0);
    const debugWorker = await system.startWorker({ LOG_LEVEL: "debug", LOG_CONTENT: "true" });
    await expect
      .poll(async () => (await post("/v1/chat/completions", { model: MODEL, messages: prompt(DEBUG_SECRET), max_tokens: 8 })).status, {
        timeout: 15_000,
      })
      .toBe(200);

    // Logs are buffered off the hot path: a stopped service has written everything.
    const { edge, billing } = system.services;
    for (const service of [edge, debugWorker, billing]) expect(await service.stop()).toBe(0);
    expect(edge.output().length).toBeGreaterThan(0);
    expect(infoWorker.output().length).toBeGreaterThan(0);
    // Billing runs at the system's warn level (it never receives content: usage events carry counts).
    for (const service of [edge, infoWorker, billing]) {
      const output = service.output();
      expect(output.includes(SECRET), `${service.name} logged a prompt`).toBe(false);
      expect(output.includes(completion), `${service.name} logged a completion`).toBe(false);
      expect(output.includes(DEBUG_SECRET), `${service.name} logged a prompt`).toBe(false);
    }
    expect(debugWorker.output()).toContain(DEBUG_SECRET);

    // What operators get instead: JSON lines that say which request, model, backend and tier.
    const done = jsonLines(infoWorker).find((l) => l.msg === "inference job completed" && l.request_id === requestId);
    expect(done).toMatchObject({ service: "worker", model: MODEL, tier: expect.any(String), backend: system.sims[0]!.url });
    const access = jsonLines(edge).find((l) => l.msg === "request" && l.request_id === requestId);
    expect(access).toMatchObject({
      service: "edge",
      method: "POST",
      route: "/v1/chat/completions",
      status: 200,
      tier: done!.tier,
      ms: expect.any(Number),
    });
  });
});
