/**
 * The front of the design's floor (see ../targets/floor.ts): each POST goes to the workers as one
 * Redis list entry (or BullMQ job), and its answer comes back on this process's pub/sub channel.
 * Messages are `<id> <kind> <payload>`: d (a whole JSON answer), c (one SSE event), e (the end).
 */
import { createServer, type ServerResponse } from "node:http";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

const redisUrl = process.env.REDIS_URL!;
const commands = new Redis(redisUrl, { enableAutoPipelining: true });
const subscriber = new Redis(redisUrl);
const channel = `floor:reply:${process.pid}`;
// FLOOR_QUEUE=bullmq: the queue is BullMQ's (one job per request), on a connection of its own
// without autopipelining, as the gateway's producer has it.
const queue = process.env.FLOOR_QUEUE === "bullmq" ? new Queue("floor", { connection: new Redis(redisUrl) }) : undefined;
const waiting = new Map<number, ServerResponse>();
let next = 0;

subscriber.on("message", (_channel: string, raw: string) => {
  const [cut1, cut2] = [raw.indexOf(" "), raw.indexOf(" ", raw.indexOf(" ") + 1)];
  const id = Number(raw.slice(0, cut1));
  const res = waiting.get(id);
  if (!res) return;
  const kind = raw.slice(cut1 + 1, cut2 < 0 ? undefined : cut2);
  const payload = cut2 < 0 ? "" : raw.slice(cut2 + 1);
  if (kind === "d") {
    waiting.delete(id);
    res.writeHead(200, { "content-type": "application/json" }).end(payload);
  } else if (kind === "c") {
    if (!res.headersSent) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(`${payload}\n\n`);
  } else {
    waiting.delete(id);
    res.end();
  }
});
await subscriber.subscribe(channel);

createServer((req, res) => {
  if (req.method !== "POST") return void res.end("ok");
  const parts: Buffer[] = [];
  req.on("data", (part: Buffer) => parts.push(part));
  req.on("end", () => {
    const body = Buffer.concat(parts).toString();
    // Read as any gateway reads what it routes: the worker needs the model and whether to stream.
    const { model, stream } = JSON.parse(body) as { model: string; stream?: boolean };
    const id = next++;
    waiting.set(id, res);
    const job = { id, reply: channel, model, stream: stream === true, body };
    // Kept after completion as the gateway's jobs are (a repeated add of the same id stays a no-op there).
    if (queue) void queue.add("floor", job, { removeOnComplete: { age: 600, count: 10_000 }, removeOnFail: true });
    else void commands.lpush("floor:jobs", JSON.stringify(job));
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
