import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import { GroupStream, type StreamEntry } from "./group-stream.ts";

/** What a stream's entries become: billing's write of one batch, and what it reports. */
export interface StreamSink {
  /**
   * Writes one batch (entries that are not what the stream carries are the sink's to count and
   * set aside) and resolves once it is committed; rejects to have the same batch tried again.
   */
  write(entries: readonly StreamEntry[]): Promise<void>;
  /** After each maintenance round: entries not read yet, and read but not acknowledged. */
  backlog(unread: number, pending: number): void;
}

export interface StreamConsumerOptions {
  /** For the logs: "deliveries", "usage events". */
  name: string;
  key: string;
  group: string;
  /** This process's name in the group: unique per process, so a dead one's entries can be told apart and claimed. */
  consumer: string;
  /** How long an entry stays unacknowledged on another consumer before this one takes it over. */
  claimIdleMs: number;
  /** Entries per read and per write. */
  batchSize?: number;
  /** How long a batch that is not full waits for more before it is written: lag traded for fewer statements. */
  windowMs?: number;
}

/** Longest wait between two tries of a batch Postgres refused. */
const MAX_RETRY_MS = 10_000;
/** A consumer that read nothing for this long, holding nothing, belonged to a process that is gone. */
const FORGET_CONSUMER_MS = 3_600_000;

/**
 * Reads a stream with billing's consumer group into Postgres through its sink. An entry is
 * acknowledged only after the statement that wrote it committed, so a process killed in between
 * leaves it pending; every process claims what has been pending on another for claimIdleMs (at
 * start and then every half of it, at most every 30 s), so it is written once all the same (the
 * sink turns a second write into a repeat). Postgres down: the batch in hand is retried until it
 * commits; Redis down: the reads wait on their own connection. A read that Redis served and whose
 * reply was lost (Redis killed just after) leaves its entries pending on this very consumer: after
 * every reconnection, the consumer reads its own pending entries again before new ones, so they are
 * written within seconds of Redis being back rather than after claimIdleMs.
 */
export class StreamConsumer {
  private readonly stream: GroupStream;
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly maintenanceMs: number;
  private running = false;
  private blocked = false;
  private loop: Promise<void> | undefined;
  /** Set by a reconnection: this consumer's own pending entries are read again first. */
  private reconnected = false;
  private disconnected = false;

  constructor(
    /** Its own: a blocking read holds the connection. Closed by close(). */
    private readonly redis: Redis,
    private readonly sink: StreamSink,
    private readonly logger: Logger,
    private readonly options: StreamConsumerOptions,
  ) {
    this.stream = new GroupStream(redis, options.key, options.group, options.consumer);
    this.batchSize = options.batchSize ?? 500;
    this.windowMs = options.windowMs ?? 0;
    this.maintenanceMs = Math.min(30_000, Math.max(50, Math.floor(options.claimIdleMs / 2)));
    redis.on("close", () => (this.disconnected = true));
    redis.on("ready", () => {
      if (this.disconnected) this.reconnected = true;
      this.disconnected = false;
    });
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
        if (this.reconnected) {
          this.reconnected = false;
          // Redis gone again: the next reconnection reads them.
          await this.readOwnPending();
        }
        if (!this.running) return;
        this.blocked = true;
        const read = await this.stream.read(this.batchSize, Math.min(2_000, this.maintenanceMs)).finally(() => (this.blocked = false));
        if (read.length > 0 && read.length < this.batchSize && this.windowMs > 0) {
          await sleep(this.windowMs);
          read.push(...(await this.stream.read(this.batchSize - read.length, 0)));
        }
        await this.handle(read);
        failures = 0;
      } catch (err) {
        if (!this.running) return;
        failures++;
        this.logger.warn({ err: (err as Error).message }, `reading ${this.options.name} failed; trying again`);
        await sleep(Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  private async readOwnPending(): Promise<void> {
    for (;;) {
      const own = await this.stream.readOwnPending(this.batchSize);
      if (own.length === 0 || !this.running) return;
      this.logger.info({ entries: own.length }, `read ${this.options.name} again whose read reply was lost`);
      await this.handle(own);
    }
  }

  private async maintain(): Promise<void> {
    await this.stream.ensureGroup();
    let start = "0-0";
    do {
      const page = await this.stream.claim(this.options.claimIdleMs, start, this.batchSize);
      if (page.claimed.length > 0)
        this.logger.info({ entries: page.claimed.length }, `claimed ${this.options.name} a billing process left unwritten`);
      await this.handle(page.claimed);
      start = page.next;
    } while (start !== "0-0" && this.running);
    // Trimming and forgetting are housekeeping: when they fail (an ACL, a Redis in trouble), reading goes on.
    try {
      const { unread, pending } = await this.stream.maintain(FORGET_CONSUMER_MS);
      this.sink.backlog(unread, pending);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, `maintaining ${this.options.name} failed; reading goes on`);
    }
  }

  private async handle(entries: readonly StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!(await this.writeUntilCommitted(entries))) return;
    await this.stream.ack(entries.map((e) => e.id));
  }

  /** True once written, false when shutdown came first (the entries stay pending). */
  private async writeUntilCommitted(entries: readonly StreamEntry[]): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.sink.write(entries);
        return true;
      } catch (err) {
        if (!this.running) return false;
        this.logger.warn(
          { err: (err as Error).message, entries: entries.length, attempt },
          `writing ${this.options.name} failed; retrying`,
        );
        await sleep(Math.min(MAX_RETRY_MS, 250 * 2 ** Math.min(attempt, 6)));
        if (!this.running) return false;
      }
    }
  }
}
