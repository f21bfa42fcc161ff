import { once } from "node:events";
import { simCompletion, type LlamaSim } from "@gateway/test-kit/llama-sim";
import type { ServiceProcess } from "@gateway/test-kit/processes";
import { until } from "@gateway/test-kit/until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL, startSystem, type System } from "./start-system.ts";

const SIM = { interTokenMs: 20, naturalTokens: 500, slots: 2 };
const MAX_TOKENS = 15;
const messages = [{ role: "user" as const, content: "Tell me a story about a lighthouse." }];
const expected = simCompletion(messages, MAX_TOKENS, { naturalTokens: SIM.naturalTokens }).text;

let system: System;
let sim: LlamaSim;

beforeAll(async () => {
  // Two edges: one is stopped under load while the other keeps serving. Two slots, so a backlog
  // waits in the queue while the worker is stopped.
  system = await startSystem({ edges: 2, sim: SIM });
  sim = system.sims[0]!;
});
afterAll(() => system?.stop());

interface Outcome {
  status: number;
  text: string;
  requestId: string | null;
}

/** One request to `edgeUrl`, read to its end; a stream's text is put together from its chunks. */
async function complete(edgeUrl: string, stream: boolean): Promise<Outcome> {
  const res = await fetch(`${edgeUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages, max_tokens: MAX_TOKENS, stream }),
  });
  const body = await res.text();
  let text = "";
  if (res.status === 200 && stream) {
    const data = body
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => l.slice(6));
    expect(data.at(-1)).toBe("[DONE]");
    for (const d of data.slice(0, -1))
      text += (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "";
  } else if (res.status === 200) text = (JSON.parse(body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  return { status: res.status, text, requestId: res.headers.get("x-request-id") };
}

/** Sends SIGTERM and resolves with the exit code and when it came; ServiceProcess.stop would signal twice. */
async function terminate(service: ServiceProcess): Promise<{ code: number | null; at: number }> {
  const exited = once(service.child, "exit") as Promise<[number | null]>;
  service.child.kill("SIGTERM");
  const [code] = await exited;
  return { code, at: Date.now() };
}

describe("when a worker gets SIGTERM with jobs running and more queued", () => {
  it("then it turns unready, finishes its jobs, exits 0, and a worker started after it serves the queued ones: every request answered and billed once", async () => {
    const generationsBefore = sim.stats.generations;
    const requests = Array.from({ length: 10 }, (_, i) => complete(system.edgeUrl, i % 3 === 0));
    await until(() => sim.stats.processing === SIM.slots);
    const worker = system.services.worker;
    const workerUrl = system.serviceUrls.workers.at(-1)!;
    const signalledAt = Date.now();
    const stopped = terminate(worker);

    // Unready while draining (until its HTTP server closes with the process).
    let sawUnready = false;
    await until(async () => {
      const res = await fetch(`${workerUrl}/readyz`).catch(() => undefined);
      if (res?.status === 503) sawUnready = true;
      return sawUnready || worker.child.exitCode !== null;
    });
    const exit = await stopped;
    expect(exit.code).toBe(0);
    expect(sawUnready).toBe(true);
    const takenByFirst = sim.stats.generations - generationsBefore;
    // Nothing is lost while no worker runs: the rest waits in the queue.
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.stats.generations - generationsBefore).toBe(takenByFirst);

    await system.startWorker();
    const outcomes = await Promise.all(requests);
    expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => 200));
    expect(outcomes.map((o) => o.text)).toEqual(outcomes.map(() => expected));
    // Each request was generated exactly once: what the first worker had started it finished (a
    // job it dropped would run again), and the second took only what was still queued.
    expect(takenByFirst).toBeGreaterThanOrEqual(SIM.slots);
    expect(sim.stats.generations - generationsBefore).toBe(outcomes.length);
    console.log(
      `worker SIGTERM: drained in ${exit.at - signalledAt} ms; ${takenByFirst} jobs finished by it, ${outcomes.length - takenByFirst} by the next worker`,
    );

    const ids = outcomes.map((o) => o.requestId!);
    await expect
      .poll(async () => (await system.db.query("SELECT request_id, outcome FROM usage_records WHERE request_id = ANY($1)", [ids])).rows, {
        timeout: 15_000,
      })
      .toHaveLength(ids.length);
    const rows = (await system.db.query("SELECT request_id, outcome FROM usage_records WHERE request_id = ANY($1)", [ids])).rows;
    expect(rows.every((r: { outcome: string }) => r.outcome === "succeeded")).toBe(true);
  });
});

describe("when an edge gets SIGTERM with requests and streams in flight", () => {
  it("then it refuses new connections, answers every accepted request in full, and exits 0", async () => {
    const edge = system.edges[1]!;
    const edgeUrl = system.edgeUrls[1]!;
    const generationsBefore = sim.stats.generations;
    const requests = Array.from({ length: 6 }, (_, i) => complete(edgeUrl, i % 2 === 0));
    // Accepted: every one of them reached the backend or waits for one of its slots.
    await until(() => sim.stats.generations - generationsBefore >= SIM.slots && sim.stats.processing === SIM.slots);
    const signalledAt = Date.now();
    const stopped = terminate(edge);

    // New work goes elsewhere: the listener is closed (or the replica answers 503).
    await until(async () => {
      const res = await fetch(`${edgeUrl}/readyz`).catch(() => undefined);
      return res === undefined || res.status === 503;
    }, 5_000);
    const served = await complete(system.edgeUrls[0]!, false);
    expect(served.status).toBe(200);

    const outcomes = await Promise.all(requests);
    const exit = await stopped;
    expect(outcomes.map((o) => [o.status, o.text])).toEqual(outcomes.map(() => [200, expected]));
    expect(exit.code).toBe(0);
    expect(sim.stats.generations - generationsBefore).toBe(outcomes.length + 1);
    console.log(`edge SIGTERM: drained ${outcomes.length} in-flight requests in ${exit.at - signalledAt} ms`);
  });
});

describe("when billing and the last edge get SIGTERM", () => {
  it("then each closes in order and exits 0", async () => {
    expect(await system.edges[0]!.stop()).toBe(0);
    expect(await system.services.worker.stop()).toBe(0);
    expect(await system.services.billing.stop()).toBe(0);
  });
});
