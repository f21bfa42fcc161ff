import { once } from "node:events";
import { CHANNELS, CancelMessage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import { CancelledAbort, ShutdownAbort } from "./upstream-error.ts";

/** The jobs running in this process, by request id, each with the controller that aborts its backend call. */
export class CancelRegistry {
  private readonly running = new Map<string, AbortController>();

  register(requestId: string): AbortController {
    const controller = new AbortController();
    this.running.set(requestId, controller);
    return controller;
  }

  unregister(requestId: string, controller: AbortController): void {
    if (this.running.get(requestId) === controller) this.running.delete(requestId);
  }

  /** True when the request runs here (the cancel is broadcast to every worker). */
  cancel(requestId: string, reason: string): boolean {
    const controller = this.running.get(requestId);
    controller?.abort(new CancelledAbort(reason));
    return controller !== undefined;
  }

  abortAll(): void {
    for (const controller of this.running.values()) controller.abort(new ShutdownAbort("worker shutting down"));
  }

  get size(): number {
    return this.running.size;
  }
}

/**
 * Listens on the namespace's one cancel channel with this process's subscriber connection.
 * Resolves once subscribed, so a cancel published after start is never missed.
 */
export async function subscribeCancels(subscriber: Redis, namespace: string, registry: CancelRegistry, logger: Logger): Promise<void> {
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
  // connection reconnect: wait for ready first. ioredis re-subscribes by itself after a reconnect.
  if (subscriber.status !== "ready") await once(subscriber, "ready");
  await subscriber.subscribe(cancelChannel);
}
