import type { RelayMessage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

export type RelayPublisher = (channel: string, message: RelayMessage) => void;

/**
 * Fire-and-forget PUBLISH on the autopipelined commands connection: one connection keeps the
 * chunks of a request in order, and not awaiting each one keeps Redis round trips off the token
 * path. A lost message is the edge's timeout to handle, not a reason to stall generation.
 */
export function createRelayPublisher(redis: Redis, logger: Logger): RelayPublisher {
  return (channel, message) => {
    redis.publish(channel, JSON.stringify(message)).catch((err: unknown) => {
      logger.error({ err, request_id: message.request_id, type: message.type }, "relay publish failed");
    });
  };
}
