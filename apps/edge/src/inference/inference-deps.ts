import type { Prices } from "@gateway/config";
import type { GatewayConfig, ModelCapabilities } from "@gateway/contracts";
import type { EgressPolicy } from "@gateway/egress";
import type { Producer } from "@gateway/queue";
import type { Admission } from "../limits/admission.ts";
import type { ContentPolicy } from "../limits/content-policy.ts";
import type { EdgeMetrics } from "../metrics.ts";
import type { LoadShedder } from "../models/load-shedder.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import type { WorkerPresence } from "../relay/worker-presence.ts";
import type { StreamAttachments } from "../resume/stream-attachments.ts";
import type { OutageRecoveryDeps } from "./outage-recovery.ts";
import type { DeliveryLog } from "../usage/delivery-log.ts";

/** What putting a job on the inference queue needs: shared by the waiting entry points and `/v1/jobs`. */
export interface QueueDeps {
  producer: Producer<"inference">;
  presence: WorkerPresence;
  /** Rate limits, concurrency and token quota: a ticket per admitted job. */
  admission: Admission;
  /** 503 when the model's queue is already too long; counts what waits for the estimate. */
  shedder: LoadShedder;
}

/** What running a job and waiting for its end needs. */
export interface InferenceDeps extends QueueDeps, OutageRecoveryDeps {
  hub: RelayHub;
  metrics: EdgeMetrics;
  /** After a cancel or timeout, how long to keep listening for the worker's last word (what was produced). */
  settleGraceMs: number;
  /** For the cost of each answer (the same exact arithmetic billing uses). */
  prices: Prices;
  /** Who owns each request's event log (resume, retrieval), and for how long logs are kept. */
  attachments: StreamAttachments;
  /** Where delivered answers are recorded, for billing to compare. */
  deliveries: DeliveryLog;
}

/** What turning a client's request into a job needs. */
export interface PrepareDeps {
  config: GatewayConfig;
  contentPolicy: ContentPolicy;
  requestTimeoutMs: number;
  /** The job names this edge's reply channel. */
  hub: RelayHub;
  /** What a model can do (vision, tools), from the configuration and the live registry (ModelDirectory's). */
  capabilities: (model: string) => ModelCapabilities | undefined;
  /** Where tenant-chosen URLs (remote images) may point: refused at validation when their text is a forbidden address. */
  egress: EgressPolicy;
}
