/**
 * The worker of the design's floor (see ../targets/floor.ts): takes up to 64 jobs per blocking
 * pop (or runs BullMQ's worker), sends each to the simulator its model names, and publishes the
 * answer (or each SSE event, then the end) to the job's channel.
 */
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { Pool } from "undici";

interface FloorJob {
  id: number;
  reply: string;
  model: string;
  stream: boolean;
  body: string;
}

const redisUrl = process.env.REDIS_URL!;
const blocking = new Redis(redisUrl);
const commands = new Redis(redisUrl, { enableAutoPipelining: true });
const pools = new Map([
  ["fast", new Pool(process.env.FLOOR_FAST!)],
  ["paced", new Pool(process.env.FLOOR_PACED!)],
]);

async function run(job: FloorJob): Promise<void> {
  const { body } = await pools.get(job.model)!.request({
    method: "POST",
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json" },
    body: job.body,
  });
  if (!job.stream) return void commands.publish(job.reply, `${job.id} d ${await body.text()}`);
  let rest = "";
  for await (const bytes of body) {
    const events = (rest + (bytes as Buffer).toString()).split("\n\n");
    rest = events.pop() ?? "";
    for (const event of events) if (event.length > 0) void commands.publish(job.reply, `${job.id} c ${event}`);
  }
  void commands.publish(job.reply, `${job.id} e`);
}

if (process.env.FLOOR_QUEUE === "bullmq") {
  // BullMQ's worker needs a connection that waits out an outage (maxRetriesPerRequest: null).
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  new Worker<FloorJob>("floor", (job) => run(job.data), { connection, concurrency: 128 }).on("error", (err) => console.error(err));
} else
  for (;;) {
    const popped = await blocking.blmpop(1, 1, "floor:jobs", "RIGHT", "COUNT", 64);
    if (!popped) continue;
    for (const raw of popped[1]) void run(JSON.parse(raw) as FloorJob).catch((err: unknown) => console.error(err));
  }
