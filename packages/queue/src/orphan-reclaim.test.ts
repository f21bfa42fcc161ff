import { randomUUID } from "node:crypto";
import { createLogger } from "@gateway/observability";
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { reclaimOrphans } from "./orphan-reclaim.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const logger = createLogger({ service: "test", level: "silent" });
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A worker (long locks: the stalled check cannot be what brings a job back within a test) with
 * reclaimOrphans on its connection, and a second worker that never runs, used to take a job with
 * a lock token of the first's: what Redis holds when the first's fetch ran and its reply was lost.
 */
async function setup(processor: (job: Job) => Promise<unknown> = async () => "done") {
  const prefix = `test-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const thiefConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("orphans", { connection: admin, prefix });
  const ran: string[] = [];
  const worker = new Worker(
    "orphans",
    async (job) => {
      ran.push(job.id!);
      return processor(job);
    },
    { connection, prefix, autorun: false, lockDuration: 60_000, stalledInterval: 60_000 },
  );
  const thief = new Worker("orphans", null, { connection: thiefConnection, prefix, autorun: false });
  const reclaim = reclaimOrphans(worker, connection, logger);
  cleanups.push(async () => {
    reclaim.stop();
    await worker.close(true);
    await thief.close(true);
    await queue.obliterate({ force: true });
    await queue.close();
    for (const c of [admin, connection, thiefConnection]) c.disconnect();
  });
  /** Takes the next waiting job under `token` and never runs it. */
  const lockWith = async (token: string) => (await thief.getNextJob(token))!;
  /** Drops the worker's connection from the server's side, as a Redis restart does. */
  const dropConnection = async () => {
    const id = (await connection.client("ID")) as number;
    await admin.client("KILL", "ID", String(id));
  };
  return { queue, worker, ran, lockWith, dropConnection, reclaim };
}

describe("reclaimOrphans", () => {
  it("when a job is locked with the worker's token but was never handed to it, then it runs soon after the connection comes back", async () => {
    const { queue, worker, ran, lockWith, dropConnection } = await setup();
    await queue.add("orphans", {}, { jobId: "lost" });
    const job = await lockWith(`${worker.id}:0`);
    expect(job.id).toBe("lost");
    void worker.run();
    await dropConnection();
    await expect.poll(() => ran, { timeout: 6_000, interval: 100 }).toEqual(["lost"]);
    await expect.poll(async () => queue.getJobState("lost"), { timeout: 3_000 }).toBe("completed");
  });

  it("when another worker's job is active, then it is left alone", async () => {
    const { queue, worker, ran, lockWith, reclaim } = await setup();
    await queue.add("orphans", {}, { jobId: "theirs" });
    await lockWith(`${randomUUID()}:0`);
    void worker.run();
    expect(await reclaim.sweep()).toEqual([]);
    expect(ran).toEqual([]);
    expect(await queue.getJobState("theirs")).toBe("active");
  });

  it("when the connection drops while the worker runs a job, then that job is not moved back nor run twice", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { queue, worker, ran, dropConnection, reclaim } = await setup(() => held.then(() => "done"));
    void worker.run();
    await queue.add("orphans", {}, { jobId: "running" });
    await expect.poll(() => ran, { timeout: 3_000 }).toEqual(["running"]);
    await dropConnection();
    expect(await reclaim.sweep()).toEqual([]);
    release();
    await expect.poll(async () => queue.getJobState("running"), { timeout: 3_000 }).toBe("completed");
    expect(ran).toEqual(["running"]);
  });
});
