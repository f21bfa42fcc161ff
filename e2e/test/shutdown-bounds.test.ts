import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { ServiceProcess } from "@gateway/test-kit/processes";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystem, type System } from "./start-system.ts";

/** A TCP relay to Redis that can stop passing bytes while keeping every connection open: Redis hangs. */
async function startFreezableRedis(): Promise<{ url: string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  const target = new URL(TEST_REDIS_URL);
  let frozen = false;
  const held: [Socket, Buffer][] = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) =>
    from.on("data", (data: Buffer) => {
      if (frozen) held.push([to, data]);
      else to.write(data);
    });
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream);
    relay(upstream, client);
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze: () => (frozen = true),
    thaw() {
      frozen = false;
      for (const [to, data] of held.splice(0)) to.write(data);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** Resolves with how the process ended and how long after `since` it did (Infinity: not within `limitMs`). */
async function exitOf(service: ServiceProcess, since: number, limitMs: number) {
  const { child } = service;
  const ended =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : Promise.race([once(child, "exit").then(() => undefined), new Promise((resolve) => setTimeout(() => resolve("timeout"), limitMs))]);
  const timedOut = (await ended) === "timeout";
  return { ms: timedOut ? Infinity : Date.now() - since, code: child.exitCode, signal: child.signalCode };
}

let system: System;
let redis: Awaited<ReturnType<typeof startFreezableRedis>>;
const GRACE_MS = 1_000;
/** Each service's hard bound with GRACE_MS (the edge's SHUTDOWN_GRACE_MS + 5 s, the worker's SHUTDOWN_TIMEOUT_MS + 5 s), plus room for a loaded machine. */
const HARD_BOUND_MS = GRACE_MS + 5_000 + 3_000;

beforeAll(async () => {
  redis = await startFreezableRedis();
  const viaRelay = { REDIS_URL: redis.url };
  // Two edges: one for a close that hangs, one for a second signal.
  system = await startSystem({
    edges: 2,
    edgeEnv: { ...viaRelay, SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    workerEnv: { ...viaRelay, SHUTDOWN_TIMEOUT_MS: String(GRACE_MS) },
    billingEnv: viaRelay,
  });
});
afterAll(async () => {
  redis?.thaw();
  await system?.stop();
  await redis?.close();
});

describe("when Redis hangs while the services stop", () => {
  it("then a close that hangs ends at each service's hard bound, and a second signal ends it at once", { timeout: 60_000 }, async () => {
    redis.freeze();
    const [hungEdge, insistedEdge] = system.edges as [ServiceProcess, ServiceProcess];
    const { worker, billing } = system.services;
    const signalledAt = Date.now();
    for (const service of [hungEdge, worker, insistedEdge, billing]) service.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const insistedAt = Date.now();
    for (const service of [insistedEdge, billing]) service.child.kill("SIGTERM");

    const [edgeInsisted, billingInsisted] = await Promise.all([
      exitOf(insistedEdge, insistedAt, 1_000),
      exitOf(billing, insistedAt, 1_000),
    ]);
    expect(edgeInsisted, insistedEdge.output()).toMatchObject({ code: 1 });
    expect(edgeInsisted.ms).toBeLessThan(1_000);
    // Billing handles each signal once: the same one again takes its default action.
    expect(billingInsisted, billing.output()).toMatchObject({ signal: "SIGTERM" });
    expect(billingInsisted.ms).toBeLessThan(1_000);

    const [edgeHung, workerHung] = await Promise.all([
      exitOf(hungEdge, signalledAt, HARD_BOUND_MS),
      exitOf(worker, signalledAt, HARD_BOUND_MS),
    ]);
    expect(edgeHung, hungEdge.output()).toMatchObject({ code: 1 });
    expect(edgeHung.ms).toBeGreaterThanOrEqual(GRACE_MS + 5_000);
    expect(edgeHung.ms).toBeLessThan(HARD_BOUND_MS);
    expect(hungEdge.output()).toContain("killed by timeout");
    expect(workerHung, worker.output()).toMatchObject({ code: 1 });
    expect(workerHung.ms).toBeGreaterThanOrEqual(GRACE_MS + 5_000);
    expect(workerHung.ms).toBeLessThan(HARD_BOUND_MS);
    expect(worker.output()).toContain("shutdown timed out");

    // The worker's second signal, on a fresh worker.
    redis.thaw();
    const second = await system.startWorker();
    redis.freeze();
    second.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const againAt = Date.now();
    second.child.kill("SIGTERM");
    const workerInsisted = await exitOf(second, againAt, 1_000);
    expect(workerInsisted, second.output()).toMatchObject({ signal: "SIGTERM" });
    expect(workerInsisted.ms).toBeLessThan(1_000);
  });
});
