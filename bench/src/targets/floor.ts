import { freePort } from "@gateway/test-kit/processes";
import type { Backends } from "../backends.ts";
import { answers, startChild, type Child } from "../child.ts";
import { startRedis } from "../redis.ts";
import { CHAT_PATH, JSON_HEADERS, type Target } from "./target.ts";

const script = (name: string) => new URL(`../floor/${name}.ts`, import.meta.url).pathname;

/**
 * The floor of this gateway's design: an HTTP front, a queue (a Redis list, or BullMQ as the
 * gateway's), a worker that calls the backend, and the answer back on the front's pub/sub channel;
 * as separate processes on a Redis of their own. Nothing else: no keys, limits, validation,
 * durability, slot leases, billing or metrics. What any gateway built this way costs on this
 * machine, so that a target below it is known to need another design, not more work on this one.
 * It runs under tsx (the gateway runs built): its numbers are, if anything, a little high. It reads
 * @gateway/contracts from its sources, as the bench does: on a fresh clone nothing is built yet.
 */
export async function startFloor(backends: Backends, queue: "list" | "bullmq", layers = ""): Promise<Target | string> {
  const name = `${queue === "list" ? "floor" : "floor+BullMQ"}${layers ? `+${layers.replaceAll(",", "+")}` : ""}`;
  const redis = await startRedis();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const children: Child[] = [redis];
  const node = (file: string, env: Record<string, string>, ready: () => Promise<boolean>) =>
    startChild(file, process.execPath, ["--conditions=development", "--import", "tsx", script(file)], {
      env: { REDIS_URL: redis.url, FLOOR_QUEUE: queue, FLOOR_LAYERS: layers, ...env },
      ready,
    });
  try {
    children.push(await node("floor-worker", { FLOOR_FAST: backends.fast, FLOOR_PACED: backends.paced }, async () => true));
    children.push(await node("floor-edge", { PORT: String(port) }, answers(`${origin}/`)));
  } catch (err) {
    for (const child of children.reverse()) await child.stop();
    return `${name}: did not start (${(err as Error).message.split("\n")[0]})`;
  }
  const [worker, edge] = [children[1]!, children[2]!];
  return {
    name,
    fast: { url: `${origin}${CHAT_PATH}`, headers: JSON_HEADERS, model: "fast" },
    paced: { url: `${origin}${CHAT_PATH}`, headers: JSON_HEADERS, model: "paced" },
    pids: children.map((c) => c.pid),
    parts: [
      { name: "edge", pid: edge.pid },
      { name: "worker", pid: worker.pid },
      { name: "Redis", pid: redis.pid },
    ],
    async stop() {
      for (const child of children.reverse()) await child.stop();
    },
  };
}
