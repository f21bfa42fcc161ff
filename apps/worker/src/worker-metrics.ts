import { metric, prom, type Registry } from "@gateway/observability";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Every worker metric. Labels are bounded: `model` is a configured model id (else "unknown"),
 * `backend` a configured backend URL; never a request, tenant or key id.
 */
export function workerMetrics(registry: Registry) {
  const counter = (name: string, help: string, labelNames: string[]) =>
    metric(registry, name, () => new prom.Counter({ name, help, labelNames, registers: [registry] }));
  const gauge = (name: string, help: string, labelNames: string[]) =>
    metric(registry, name, () => new prom.Gauge({ name, help, labelNames, registers: [registry] }));
  const histogram = (name: string, help: string, labelNames: string[], buckets = LATENCY_BUCKETS) =>
    metric(registry, name, () => new prom.Histogram({ name, help, labelNames, buckets, registers: [registry] }));

  const metrics = {
    backendRequests: counter(
      "gateway_backend_requests_total",
      "Chat requests sent to a backend, by outcome (succeeded, connect, status, loading, timeout, stream, cancelled, open).",
      ["model", "backend", "outcome"],
    ),
    timeToFirstToken: histogram(
      "gateway_backend_time_to_first_token_seconds",
      "From sending a chat request to a backend to its first content token.",
      ["model", "backend"],
    ),
    backendDuration: histogram(
      "gateway_backend_request_duration_seconds",
      "From sending a chat request to a backend to the end of its stream, by outcome.",
      ["model", "backend", "outcome"],
    ),
    inFlight: gauge("gateway_backend_in_flight_requests", "Requests (chat and embeddings) this worker has open on each backend.", [
      "backend",
    ]),
    slots: gauge("gateway_backend_slots", "Parallel generation slots each backend reports (4 until probed).", ["backend"]),
    state: gauge(
      "gateway_backend_state",
      "1 for the state each backend is in (unknown, loading, ready, down) as this worker's prober sees it, else 0.",
      ["backend", "state"],
    ),
    staleRetries: counter(
      "gateway_backend_stale_connection_retries_total",
      "Requests re-sent on the same backend because a pooled keep-alive connection had been closed.",
      ["backend"],
    ),
    failovers: counter(
      "gateway_backend_failovers_total",
      "Failures before the first token that sent the request on to another backend, by failure kind.",
      ["model", "backend", "kind"],
    ),
    slotWait: histogram(
      "gateway_backend_slot_wait_seconds",
      "Time a job waited in this worker for a free backend slot (across all workers' leases).",
      ["model"],
      [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
    ),
    cancellations: counter(
      "gateway_inference_cancellations_total",
      "Jobs cancelled, by where they were: queued (cancelled key seen at pickup), waiting (for a slot) or generating.",
      ["model", "stage"],
    ),
    results: counter(
      "gateway_inference_results_total",
      "Inference jobs finished by this worker, by outcome (succeeded, cancelled, or an error code).",
      ["model", "outcome"],
    ),
    tokens: counter(
      "gateway_inference_tokens_total",
      "Tokens billed, by model, the backend that produced them and kind (prompt, completion).",
      ["model", "backend", "kind"],
    ),
    redeliveries: counter(
      "gateway_inference_redeliveries_total",
      "Jobs started again because the worker running them died (BullMQ re-delivered them after their lock expired).",
      ["model"],
    ),
    breakerState: gauge(
      "gateway_backend_breaker_state",
      "1 for the state this worker's circuit breaker for each backend is in (closed, open, half_open), else 0.",
      ["backend", "state"],
    ),
    breakerTransitions: counter(
      "gateway_backend_breaker_transitions_total",
      "Times this worker's circuit breaker for a backend entered a state (open, half_open, closed).",
      ["backend", "state"],
    ),
    backendUp: gauge(
      "gateway_worker_backend_up",
      "1 when this worker may send the model's requests to the backend (ready and breaker closed), else 0.",
      ["model", "backend"],
    ),
    slotAcquire: histogram(
      "gateway_backend_slot_acquire_seconds",
      "One round trip to the Redis slot semaphore, by outcome (acquired, busy): the price of a cross-replica slot limit.",
      ["outcome"],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    ),
    leasedSlots: gauge(
      "gateway_backend_leased_slots",
      "Slot leases every worker together holds on each backend, as of the last probe round.",
      ["backend"],
    ),
    busySlots: gauge("gateway_backend_busy_slots", "Slots each backend's /slots showed processing at the last probe.", ["backend"]),
    uncancelled: counter(
      "gateway_inference_uncancelled_total",
      "Generations a cancel could not stop: the backend call was still running a second after its abort (stuck), or had just finished (finished).",
      ["model", "reason"],
    ),
    contextChecks: counter(
      "gateway_inference_context_checks_total",
      "Prompt-length checks against the model's context, by outcome (bound: fits without tokenizing, fits, exceeded, unknown: no tokenizer answered).",
      ["model", "outcome"],
    ),
    embeddingsRequests: counter(
      "gateway_backend_embeddings_requests_total",
      "Embeddings batches sent to a backend, by outcome (succeeded, connect, status, loading, timeout, stream, cancelled, open).",
      ["model", "backend", "outcome"],
    ),
    tokenCounterReads: counter(
      "gateway_backend_token_counter_reads_total",
      "Readings of a backend's own token counters (llama-server's /metrics) by this worker, by outcome: recorded (added to the day's totals), reset (recorded; the counters had gone down, the server restarted), unavailable (no /metrics, e.g. started without --metrics, or without the series), stale (read too slowly: another worker's turn had begun, dropped).",
      ["backend", "outcome"],
    ),
    webhookDeliveries: counter(
      "gateway_webhook_deliveries_total",
      "Webhook delivery attempts, by outcome: delivered (2xx), refused (any other answer, redirects included; retried), unreachable (no answer; retried), forbidden (the egress policy refused the destination; failed, never retried), unsigned (no master key or no key versions; failed, never retried).",
      ["outcome"],
    ),
    embeddingsDuration: histogram(
      "gateway_backend_embeddings_request_duration_seconds",
      "From sending an embeddings batch to a backend to its answer, by outcome.",
      ["model", "backend", "outcome"],
    ),
    rerankRequests: counter(
      "gateway_backend_rerank_requests_total",
      "Rerank batches sent to a backend, by outcome (succeeded, connect, status, loading, timeout, stream, cancelled, open).",
      ["model", "backend", "outcome"],
    ),
    rerankDuration: histogram(
      "gateway_backend_rerank_request_duration_seconds",
      "From sending a rerank batch to a backend to its answer, by outcome.",
      ["model", "backend", "outcome"],
    ),
  };
  return metrics;
}

/**
 * Counters of rare events start at 0 for every configured model and backend: increase() in an
 * alert sees the first event (a series born at 1 shows no increase), and panels show 0, not "No data".
 */
export function startCountersAtZero(metrics: WorkerMetrics, models: readonly string[], backends: readonly string[]): void {
  for (const model of models) {
    metrics.redeliveries.inc({ model }, 0);
    for (const reason of ["stuck", "finished"]) metrics.uncancelled.inc({ model, reason }, 0);
  }
  for (const backend of backends) {
    metrics.staleRetries.inc({ backend }, 0);
    for (const outcome of ["recorded", "reset", "unavailable", "stale"]) metrics.tokenCounterReads.inc({ backend, outcome }, 0);
  }
  for (const outcome of WEBHOOK_OUTCOMES) metrics.webhookDeliveries.inc({ outcome }, 0);
}

/** The outcomes of gateway_webhook_deliveries_total (deliver-webhook.ts). */
export const WEBHOOK_OUTCOMES = ["delivered", "refused", "unreachable", "forbidden", "unsigned"] as const;

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
