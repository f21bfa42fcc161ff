import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { CHANNELS, CancelMessage, cancelledKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import { CancelledAbort, ShutdownAbort } from "./abort-reasons.ts";

/** How long a cancel heard on the channel is remembered for jobs still in the queue. */
const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 100_000;

/**
 * The jobs running in this process, by request id, each with the controller that aborts its
 * backend call; and every cancel heard on the channel recently, so a job cancelled while it
 * was still queued is skipped at pickup without a Redis round trip.
 */
export class CancelRegistry {
  private readonly running = new Map<string, AbortController>();
  /** The edge each running job lives and dies with (jobs that run to their end whatever happens have none). */
  private readonly owners = new Map<string, string>();
  private readonly heard = new Map<string, number>();
  /** Since when the subscription has been up without a gap (ms), or undefined while it is down. */
  private listeningSince: number | undefined;

  /** @param skewMs clock skew allowed between the edge that stamps a job and this worker */
  constructor(private readonly skewMs = 5_000) {}

  register(requestId: string, ownerEdge?: string): AbortController {
    const controller = new AbortController();
    this.running.set(requestId, controller);
    if (ownerEdge !== undefined) this.owners.set(requestId, ownerEdge);
    return controller;
  }

  unregister(requestId: string, controller: AbortController): void {
    if (this.running.get(requestId) !== controller) return;
    this.running.delete(requestId);
    this.owners.delete(requestId);
  }

  /** The running jobs whose edge is not alive any more. */
  orphans(isAlive: (edgeId: string) => boolean): string[] {
    return [...this.owners].filter(([, edge]) => !isAlive(edge)).map(([requestId]) => requestId);
  }

  /** True when the request runs here (the cancel is broadcast to every worker). */
  cancel(requestId: string, reason: string): boolean {
    this.remember(requestId);
    const controller = this.running.get(requestId);
    controller?.abort(new CancelledAbort(reason));
    return controller !== undefined;
  }

  /**
   * Whether a job enqueued at `enqueuedAt` (the edge's clock) was cancelled: true or false when
   * this process has been listening since before the job existed, undefined when it may have
   * missed the cancel (just started, or resubscribed after a Redis disconnect) and must ask Redis.
   */
  cancelledWhileQueued(requestId: string, enqueuedAt: number): boolean | undefined {
    if (this.heard.has(requestId)) return true;
    if (this.listeningSince === undefined || enqueuedAt < this.listeningSince + this.skewMs) return undefined;
    return false;
  }

  listening(since: number | undefined): void {
    this.listeningSince = since;
  }

  abortAll(): void {
    for (const controller of this.running.values()) controller.abort(new ShutdownAbort("worker shutting down"));
  }

  runningIds(): string[] {
    return [...this.running.keys()];
  }

  get size(): number {
    return this.running.size;
  }

  private remember(requestId: string): void {
    const now = Date.now();
    this.heard.set(requestId, now);
    // Map keeps insertion order: the oldest entries are first.
    for (const [id, at] of this.heard) {
      if (now - at < REMEMBER_MS && this.heard.size <= REMEMBER_MAX) break;
      this.heard.delete(id);
    }
  }
}

/**
 * Listens on the namespace's one cancel channel with this process's subscriber connection.
 * Resolves once subscribed, so a cancel published after start is never missed. A cancel
 * published while the subscriber was reconnecting is lost to it: once subscribed again, the
 * running jobs' cancelled keys are read (`commands`), and queued jobs read theirs at pickup.
 */
export async function subscribeCancels(
  subscriber: Redis,
  commands: Redis,
  namespace: string,
  registry: CancelRegistry,
  logger: Logger,
): Promise<void> {
  const cancelChannel = CHANNELS.cancel(namespace);
  subscriber.on("message", (channel: string, raw: string) => {
    if (channel !== cancelChannel) return;
    let message: CancelMessage;
    try {
      message = CancelMessage.parse(JSON.parse(raw));
    } catch {
      logger.warn({ channel }, "ignoring a malformed cancel message");
      return;
    }
    if (registry.cancel(message.request_id, message.reason)) {
      logger.info({ request_id: message.request_id, reason: message.reason }, "cancelling running request");
    }
  });
  // Subscribing while ioredis still runs its ready check (INFO) makes that check fail and the
  // connection reconnect: wait for ready first.
  if (subscriber.status !== "ready") await once(subscriber, "ready");
  await subscriber.subscribe(cancelChannel);
  registry.listening(Date.now());
  subscriber.on("close", () => registry.listening(undefined));
  subscriber.on("ready", () => {
    void (async () => {
      // ioredis re-subscribes by itself; subscribing again waits for Redis to confirm it, so a
      // cancel from here on is heard, and one from before has its key set already (one MULTI).
      await subscriber.subscribe(cancelChannel);
      registry.listening(Date.now());
      // Read until Redis answers (it may be flapping): a cancel missed now is a job run for nobody.
      for (let attempt = 0; subscriber.status === "ready"; attempt++) {
        const running = registry.runningIds();
        if (running.length === 0) return;
        try {
          const reasons = await commands.mget(running.map((id) => cancelledKey(namespace, id)));
          running.forEach((id, i) => {
            const reason = reasons[i];
            if (reason && registry.cancel(id, reason))
              logger.info({ request_id: id, reason }, "cancelling a request cancelled while Redis was away");
          });
          return;
        } catch (err) {
          logger.warn({ err: (err as Error).message, attempt }, "could not read the cancels missed while Redis was away; retrying");
          await sleep(Math.min(2_000, 100 * 2 ** attempt), undefined, { ref: false });
        }
      }
    })().catch((err: unknown) => logger.warn({ err }, "could not read the cancels missed while Redis was away"));
  });
}
