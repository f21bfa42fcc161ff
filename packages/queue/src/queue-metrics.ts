import { metric, prom, type Registry } from "@gateway/observability";

export function queueMetrics(registry: Registry) {
  return {
    jobDuration: metric(
      registry,
      "gateway_queue_job_duration_seconds",
      () =>
        new prom.Histogram({
          name: "gateway_queue_job_duration_seconds",
          help: "Time a consumer spent processing one job, by queue and outcome (completed, failed, poison).",
          labelNames: ["queue", "outcome"],
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
          registers: [registry],
        }),
    ),
    wait: metric(
      registry,
      "gateway_queue_wait_seconds",
      () =>
        new prom.Histogram({
          name: "gateway_queue_wait_seconds",
          help: "Time from enqueue to a consumer starting the job's first run, by queue, model and priority (the tier's; 0 = none).",
          labelNames: ["queue", "model", "priority"],
          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
          registers: [registry],
        }),
    ),
    poison: metric(
      registry,
      "gateway_queue_poison_messages_total",
      () =>
        new prom.Counter({
          name: "gateway_queue_poison_messages_total",
          help: "Jobs whose payload failed validation: failed once, never retried.",
          labelNames: ["queue"],
          registers: [registry],
        }),
    ),
  };
}
