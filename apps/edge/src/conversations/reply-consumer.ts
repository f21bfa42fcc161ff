import type { Logger, Registry } from "@gateway/observability";
import { createConsumer } from "@gateway/queue";
import type { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { ConversationRepository } from "./conversation-repository.ts";

/**
 * Stores the replies workers queue on "conversation-replies". Every edge consumes: whichever
 * takes a reply stores it (once per request id), so a reply outlives the edge that served it.
 */
export function startReplyConsumer(
  repository: ConversationRepository,
  connection: Redis,
  prefix: string,
  registry: Registry,
  logger: Logger,
): Worker {
  return createConsumer("conversation-replies", (reply) => repository.addReply(reply), {
    connection,
    prefix,
    concurrency: 4,
    registry,
    logger,
  });
}
