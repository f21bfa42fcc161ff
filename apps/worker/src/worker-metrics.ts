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

  return {
    backendRequests: counter(
      "gateway_backend_requests_total",
      "Chat requests sent to a backend, by outcome (succeeded, connect, status, loading, timeout, stream, cancelled).",
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
    inFlight: gauge("gateway_backend_in_flight_requests", "Chat requests this worker has open on each backend.", ["backend"]),
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
      "Time a job waited in this worker for a free backend slot.",
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
    tokens: counter("gateway_inference_tokens_total", "Tokens billed, by model and kind (prompt, completion).", ["model", "kind"]),
  };
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
