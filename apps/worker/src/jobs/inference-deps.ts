import type { Logger } from "@gateway/observability";
import type { Producer } from "@gateway/queue";
import type { Redis } from "ioredis";
import type { DispatchDeps } from "../backends/with-failover.ts";
import type { RelayPublisher } from "../relay/relay-publisher.ts";
import type { CancelRegistry } from "./cancel-registry.ts";
import type { ImageFetcher } from "./fetch-images.ts";
import type { RecordUsage } from "./record-usage.ts";

/** What the inference handler and every job kind's runner work with, built once per process. */
export interface InferenceDeps extends DispatchDeps {
  /** Commands connection, for the cancelled key, pending sets and embeddings results. */
  redis: Redis;
  /** The deployment's Redis namespace (the queue prefix) for channel and key names. */
  namespace: string;
  publish: RelayPublisher;
  recordUsage: RecordUsage;
  cancels: CancelRegistry;
  logger: Logger;
  /** Prompts per embeddings (and documents per rerank) backend call: larger inputs are split across the pool. */
  embeddingsBatchSize: number;
  /** Fetches remote images of chat requests through the egress guard (EGRESS_ALLOW_CIDRS). */
  images: ImageFetcher;
  /** Where an async job's webhook delivery is queued when it ends. */
  webhooks?: Producer<"webhooks">;
  /** Where a conversation turn's reply is queued for the edge to store. */
  conversationReplies?: Producer<"conversation-replies">;
}
