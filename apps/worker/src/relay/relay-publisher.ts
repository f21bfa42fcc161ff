import { eventsKey, type RelayMessage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/** Where a job's relay messages go: its edge's channel, and its event log when the edge asked for one. */
export interface RelayTarget {
  reply_to: string;
  events_ttl_s?: number | undefined;
}

export type RelayPublisher = (target: RelayTarget, message: RelayMessage) => void;

/** Far above any answer's chunk count (max_tokens is bounded): the cap only guards Redis memory. */
const EVENTS_MAX_LEN = 20_000;

/**
 * Fire-and-forget PUBLISH on the autopipelined commands connection: one connection keeps the
 * chunks of a request in order, and not awaiting each one keeps Redis round trips off the token
 * path. A lost message is the edge's timeout to handle, not a reason to stall generation.
 *
 * A job with `events_ttl_s` also gets each message appended to its event log, ahead of the
 * PUBLISH on the same connection (commands leave a connection in order), so a replayed log never
 * misses what was published live, and the log expires with the retention.
 */
export function createRelayPublisher(redis: Redis, logger: Logger, namespace: string): RelayPublisher {
  const failed = (message: RelayMessage) => (err: unknown) => {
    logger.error({ err, request_id: message.request_id, type: message.type }, "relay publish failed");
  };
  return (target, message) => {
    const raw = JSON.stringify(message);
    if (!target.events_ttl_s) {
      redis.publish(target.reply_to, raw).catch(failed(message));
      return;
    }
    const key = eventsKey(namespace, message.request_id);
    const onError = failed(message);
    // Separate commands, not an explicit pipeline: that would be a socket write per token, while
    // autopipelining sends everything queued in one loop turn (all streams' tokens) in one write.
    redis.xadd(key, "MAXLEN", "~", EVENTS_MAX_LEN, "*", "m", raw).catch(onError);
    // The expiry is set when a log (or a re-delivery's part of it) starts and when it ends, not per token.
    if (message.type !== "chunk" || message.seq === 0) redis.expire(key, target.events_ttl_s).catch(onError);
    redis.publish(target.reply_to, raw).catch(onError);
  };
}
