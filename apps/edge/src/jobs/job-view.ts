import { ERROR_CODES, pendingKey, type Job, type JobRecord, type JobStatus, type RelayMessage } from "@gateway/contracts";
import type { Redis } from "ioredis";
import type { Prices } from "@gateway/config";
import { chatAnswer } from "../inference/terminal.ts";
import type { EventLog } from "../resume/event-log.ts";
import type { DeliveryLog } from "../usage/delivery-log.ts";

export type Terminal = Exclude<RelayMessage, { type: "chunk" }>;

export const jobLinks = (id: string) => ({ self: `/v1/jobs/${id}`, events: `/v1/jobs/${id}/events` });

/** A succeeded job shown with its result is its answer delivered: billing reconciles bills with deliveries. */
export function noteDelivered(deliveries: DeliveryLog, job: Job): void {
  if (job.status === "succeeded") deliveries.delivered(job.id);
}

export function statusOf(terminal: Terminal | undefined, running: boolean): JobStatus {
  if (!terminal) return running ? "running" : "queued";
  if (terminal.type !== "error") return "succeeded";
  return terminal.code === "client_closed_request" ? "cancelled" : "failed";
}

export interface JobViewDeps {
  redis: Redis;
  namespace: string;
  events: EventLog;
  prices: Prices;
}

/**
 * A job as the API shows it, from its record and its event log: the log's last entry is the
 * terminal message once there is one; until then the job is queued while its id is in its
 * model's pending set (which workers leave when they take a slot), running after.
 */
export async function viewJob(deps: JobViewDeps, record: JobRecord): Promise<Job> {
  const lastMessage = (await deps.events.last(record.id))?.message;
  const terminal = lastMessage && lastMessage.type !== "chunk" ? lastMessage : undefined;
  let position: number | null = null;
  if (!terminal && !lastMessage) {
    const rank = await deps.redis.zrank(pendingKey(deps.namespace, record.model), record.id);
    if (rank !== null) position = rank + 1;
  }
  const status = statusOf(terminal, position === null);
  return {
    id: record.id,
    object: "job",
    type: record.type,
    model: record.model,
    status,
    created: Math.floor(record.created_ms / 1000),
    position,
    result: await resultOf(deps, terminal),
    usage: usageOf(terminal),
    error: terminal?.type === "error" ? { code: terminal.code, message: terminal.message, type: ERROR_CODES[terminal.code].type } : null,
    webhook_url: record.webhook_url ?? null,
    links: jobLinks(record.id),
  };
}

async function resultOf(deps: JobViewDeps, terminal: Terminal | undefined): Promise<unknown> {
  if (terminal?.type === "result") return chatAnswer(deps.prices, terminal);
  if (terminal?.type === "embeddings") {
    const body = await deps.redis.get(terminal.key);
    return body === null ? null : (JSON.parse(body) as unknown);
  }
  return null;
}

function usageOf(terminal: Terminal | undefined): Job["usage"] {
  if (terminal?.type === "result") return terminal.response.usage;
  if (terminal?.type === "embeddings") return terminal.usage;
  if (terminal?.type === "error") return terminal.usage ?? null;
  return null;
}
