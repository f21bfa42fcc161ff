/**
 * The front of the design's floor (see ../targets/floor.ts): each POST goes to the workers as one
 * Redis list entry (or BullMQ job), and its answer comes back on this process's pub/sub channel.
 * Messages are `<id> <kind> <payload>`: d (a whole JSON answer), c (one SSE event), e (the end).
 *
 * FLOOR_LAYERS adds the gateway's own layers, to price each one (BENCH_FLOOR_LAYERS): "express"
 * (Express 5 with one route, served by expressServer as the gateway's apps are, the body read by hand), "json" (its body parser instead), "zod" (the
 * request parsed with the gateway's chat contract), "twice" (parsed once more, as the job is on its
 * way into the queue).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { chatCompletionRequest } from "@gateway/contracts";
import { expressServer } from "@gateway/http";
import { Queue } from "bullmq";
import express from "express";
import { Redis } from "ioredis";

const layers = new Set((process.env.FLOOR_LAYERS ?? "").split(",").filter(Boolean));
const redisUrl = process.env.REDIS_URL!;
const commands = new Redis(redisUrl, { enableAutoPipelining: true });
const subscriber = new Redis(redisUrl);
const channel = `floor:reply:${process.pid}`;
// FLOOR_QUEUE=bullmq: the queue is BullMQ's (one job per request), on a connection of its own
// without autopipelining, as the gateway's producer has it.
const queue = process.env.FLOOR_QUEUE === "bullmq" ? new Queue("floor", { connection: new Redis(redisUrl) }) : undefined;
const contract = chatCompletionRequest({
  maxContentChars: 1_000_000,
  models: new Map([
    ["fast", { maxOutputTokens: 256 }],
    ["paced", { maxOutputTokens: 256 }],
  ]),
});
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

/** Hands one parsed request to the workers; its answer goes to `res` when it comes. */
function dispatch(request: { model: string; stream?: boolean }, raw: string | undefined, res: ServerResponse): void {
  if (layers.has("zod")) contract.parse(request);
  if (layers.has("twice")) contract.parse(request);
  const id = next++;
  waiting.set(id, res);
  const job = { id, reply: channel, model: request.model, stream: request.stream === true, body: raw ?? JSON.stringify(request) };
  // Kept after completion as the gateway's jobs are (a repeated add of the same id stays a no-op there).
  if (queue) void queue.add("floor", job, { removeOnComplete: { age: 600, count: 10_000 }, removeOnFail: true });
  else void commands.lpush("floor:jobs", JSON.stringify(job));
}

/** The body as JSON, read by hand (what a gateway reads to route a request), and as it came. */
function readJson(req: IncomingMessage, then: (body: { model: string; stream?: boolean }, raw: string) => void): void {
  const parts: Buffer[] = [];
  req.on("data", (part: Buffer) => parts.push(part));
  req.on("end", () => {
    const raw = Buffer.concat(parts).toString();
    then(JSON.parse(raw) as { model: string; stream?: boolean }, raw);
  });
}

const port = Number(process.env.PORT);
if (layers.has("express")) {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.get("/", (_req, res) => void res.send("ok"));
  const body: express.RequestHandler = layers.has("json")
    ? express.json({ limit: "10mb" })
    : (req, res, next) => readJson(req, (parsed, raw) => ((req.body = parsed), (res.locals.raw = raw), next()));
  app.post("/v1/chat/completions", body, (req, res) =>
    dispatch(req.body as { model: string; stream?: boolean }, res.locals.raw as string | undefined, res),
  );
  // Served as the gateway serves its apps (requests born with the app's prototypes).
  expressServer(app).listen(port, "127.0.0.1");
} else
  createServer((req, res) => {
    if (req.method !== "POST") return void res.end("ok");
    readJson(req, (parsed, raw) => dispatch(parsed, raw, res));
  }).listen(port, "127.0.0.1");
