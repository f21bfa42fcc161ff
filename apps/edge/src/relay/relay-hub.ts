import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { CHANNELS, cancelledKey, RelayMessage, type CancelMessage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

export type RelayListener = (message: RelayMessage) => void;

/** What a waiting request hears of the relay's connection besides its messages. */
export interface ConnectionEvents {
  /** The subscriber lost Redis: messages published meanwhile are lost to it. */
  lost?: () => void;
  /** The subscriber is back and subscribed again: whatever was missed is in the request's event log. */
  regained?: () => void;
}

/**
 * One Redis subscriber per edge process, on the process's own reply channel, shared by every
 * waiting request: a request registers a listener under its request id before its job is
 * enqueued, so no message can arrive unheard.
 */
export class RelayHub {
  readonly channel: string;
  private readonly listeners = new Map<string, RelayListener>();
  private readonly connection = new Map<string, ConnectionEvents>();
  private up = true;
  private closed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    private readonly namespace: string,
    edgeId: string,
    private readonly logger: Logger,
  ) {
    this.channel = CHANNELS.reply(namespace, edgeId);
    subscriber.on("message", (_channel: string, raw: string) => this.dispatch(raw));
    subscriber.on("close", () => {
      if (!this.up) return;
      this.up = false;
      this.logger.warn("relay subscriber lost Redis; waiting requests catch up from their event logs once it is back");
      for (const events of this.connection.values()) events.lost?.();
    });
    subscriber.on("ready", () => void this.resubscribed());
  }

  /** Whether the relay hears Redis now. */
  get connected(): boolean {
    return this.up;
  }

  private async resubscribed(): Promise<void> {
    if (this.up) return;
    // ioredis re-subscribes on its own; subscribing again waits for Redis to confirm it, so
    // nothing published from here on can be missed by the catch-up that follows.
    await this.subscriber.subscribe(this.channel).catch(() => undefined);
    if (this.up || this.subscriber.status !== "ready") return;
    this.up = true;
    this.logger.info("relay subscriber is back");
    for (const events of this.connection.values()) events.regained?.();
  }

  async start(): Promise<void> {
    // Subscribing while ioredis runs its ready check makes it drop and reopen the connection.
    if (this.subscriber.status !== "ready") await once(this.subscriber, "ready");
    await this.subscriber.subscribe(this.channel);
  }

  listen(requestId: string, listener: RelayListener, events?: ConnectionEvents): () => void {
    this.listeners.set(requestId, listener);
    if (events) this.connection.set(requestId, events);
    return () => {
      this.listeners.delete(requestId);
      this.connection.delete(requestId);
    };
  }

  get waiting(): number {
    return this.listeners.size;
  }

  /**
   * Tells the workers nobody wants this output; a job still queued is skipped when picked up.
   * With `retryUntil` (epoch ms) a cancel Redis refuses (down, restarting) is tried again until it
   * lands or that time, after which the job could not start any more; it then never rejects.
   */
  async cancel(requestId: string, reason: CancelMessage["reason"], retryUntil?: number): Promise<void> {
    const message: CancelMessage = { request_id: requestId, reason };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.publisher
          .multi()
          .set(cancelledKey(this.namespace, requestId), reason, "EX", 3_600)
          .publish(CHANNELS.cancel(this.namespace), JSON.stringify(message))
          .exec();
        return;
      } catch (err) {
        if (retryUntil === undefined) throw err;
        if (this.closed || Date.now() > retryUntil) {
          this.logger.warn({ request_id: requestId, err: (err as Error).message }, "a cancel could not reach Redis");
          return;
        }
        await sleep(Math.min(1_000, 100 * 2 ** attempt), undefined, { ref: false });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }

  private dispatch(raw: string): void {
    let parsed: ReturnType<typeof RelayMessage.safeParse>;
    try {
      parsed = RelayMessage.safeParse(JSON.parse(raw));
    } catch {
      this.logger.warn("relay message is not JSON");
      return;
    }
    if (!parsed.success) {
      this.logger.warn({ issues: parsed.error.issues.length }, "relay message does not match the contract");
      return;
    }
    // A message for a request nobody waits for any more (answered, timed out) is dropped.
    this.listeners.get(parsed.data.request_id)?.(parsed.data);
  }
}
