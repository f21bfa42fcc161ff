import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { BillingMetrics } from "../usage/billing-metrics.ts";
import type { Delivery, DeliveryRepository } from "./delivery-repository.ts";
import { DeliveryStream, type StreamEntry } from "./delivery-stream.ts";
import { parseDeliveryEntry } from "./parse-delivery-entry.ts";

export interface DeliveryConsumerOptions {
  namespace: string;
  /** This process's name in the group: unique per process, so a dead one's entries can be told apart and claimed. */
  consumer: string;
  /** How long an entry stays unacknowledged on another consumer before this one takes it over (see DELIVERY_CLAIM_IDLE_MS). */
  claimIdleMs: number;
  /** Entries per read and per insert statement. */
  batchSize?: number;
}

/** Longest wait between two tries of a batch Postgres refused. */
const MAX_RETRY_MS = 10_000;
/** A consumer that read nothing for this long, holding nothing, belonged to a process that is gone. */
const FORGET_CONSUMER_MS = 3_600_000;

/**
 * Reads the deliveries stream with billing's consumer group into usage_deliveries. An entry is
 * acknowledged only after the statement that wrote it committed, so a process killed in between
 * leaves it pending; every process claims what has been pending on another for claimIdleMs (at
 * start and then every half of it, at most every 30 s), so it is written once all the same
 * (the primary key turns a second write into a repeat). Postgres down: the batch in hand is
 * retried until it commits; Redis down: the reads wait on their own connection.
 */
export class DeliveryConsumer {
  private readonly stream: DeliveryStream;
  private readonly batchSize: number;
  private readonly maintenanceMs: number;
  private running = false;
  private blocked = false;
  private loop: Promise<void> | undefined;

  constructor(
    /** Its own: a blocking read holds the connection. Closed by close(). */
    private readonly redis: Redis,
    private readonly repository: DeliveryRepository,
    private readonly metrics: BillingMetrics,
    private readonly logger: Logger,
    private readonly options: DeliveryConsumerOptions,
  ) {
    this.stream = new DeliveryStream(redis, options.namespace, options.consumer);
    this.batchSize = options.batchSize ?? 500;
    this.maintenanceMs = Math.min(30_000, Math.max(50, Math.floor(options.claimIdleMs / 2)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the batch in hand (an unwritten one stays pending, for another process to claim), then closes the connection. */
  async close(): Promise<void> {
    this.running = false;
    // A blocking read would hold the loop for its whole timeout; what it might bring stays pending.
    if (this.blocked) this.redis.disconnect();
    await this.loop;
    this.redis.disconnect();
  }

  private async run(): Promise<void> {
    let maintainAt = 0;
    let failures = 0;
    while (this.running) {
      try {
        if (Date.now() >= maintainAt) {
          await this.maintain();
          maintainAt = Date.now() + this.maintenanceMs;
        }
        this.blocked = true;
        const read = await this.stream.read(this.batchSize, Math.min(2_000, this.maintenanceMs)).finally(() => (this.blocked = false));
        await this.handle(read);
        failures = 0;
      } catch (err) {
        if (!this.running) return;
        failures++;
        this.logger.warn({ err: (err as Error).message }, "reading deliveries failed; trying again");
        await sleep(Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async maintain(): Promise<void> {
    await this.stream.ensureGroup();
    let start = "0-0";
    do {
      const page = await this.stream.claim(this.options.claimIdleMs, start, this.batchSize);
      if (page.claimed.length > 0)
        this.logger.info({ entries: page.claimed.length }, "claimed deliveries a billing process left unwritten");
      await this.handle(page.claimed);
      start = page.next;
    } while (start !== "0-0" && this.running);
    const { unread, pending } = await this.stream.maintain(FORGET_CONSUMER_MS);
    this.metrics.unread.set(unread);
    this.metrics.pending.set(pending);
  }

  private async handle(entries: readonly StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const deliveries: Delivery[] = [];
    for (const entry of entries) {
      const delivery = parseDeliveryEntry(entry.fields);
      if (delivery) deliveries.push(delivery);
      else {
        this.metrics.deliveries.inc({ outcome: "invalid" });
        this.logger.warn({ entry: entry.id }, "a deliveries entry is not a delivery: dropped");
      }
    }
    const written = await this.writeUntilCommitted(deliveries);
    if (written === undefined) return;
    await this.stream.ack(entries.map((e) => e.id));
    this.metrics.deliveries.inc({ outcome: "recorded" }, written);
    this.metrics.deliveries.inc({ outcome: "duplicate" }, deliveries.length - written);
  }

  /** The deliveries newly recorded, or undefined when shutdown came first (the entries stay pending). */
  private async writeUntilCommitted(deliveries: readonly Delivery[]): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.repository.record(deliveries)).recorded;
      } catch (err) {
        if (!this.running) return undefined;
        this.logger.warn({ err: (err as Error).message, deliveries: deliveries.length, attempt }, "recording deliveries failed; retrying");
        await sleep(Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(attempt, 6)));
        if (!this.running) return undefined;
      }
    }
  }
}
