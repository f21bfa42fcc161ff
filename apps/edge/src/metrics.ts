import { prom, type Registry } from "@gateway/observability";

export type EdgeMetrics = ReturnType<typeof edgeMetrics>;

export function edgeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new prom.Counter({
      name: "gateway_http_requests_total",
      help: "HTTP requests answered by the edge, by route pattern, method and status class (2xx, 4xx, ...).",
      labelNames: ["route", "method", "status_class"],
      registers,
    }),
    duration: new prom.Histogram({
      name: "gateway_http_request_duration_seconds",
      help: "Time from request arrival to the last byte of the response (whole stream for SSE).",
      labelNames: ["route", "method", "status_class"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    timeToFirstToken: new prom.Histogram({
      name: "gateway_edge_time_to_first_token_seconds",
      help: "Time from request arrival to the first streamed token written to the client.",
      labelNames: ["model"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    activeStreams: new prom.Gauge({
      name: "gateway_edge_active_streams",
      help: "SSE streams currently open to clients.",
      registers,
    }),
    rejections: new prom.Counter({
      name: "gateway_edge_rejections_total",
      help: "Requests refused before enqueueing, by reason (auth, validation, unavailable, ...).",
      labelNames: ["reason"],
      registers,
    }),
    cancellations: new prom.Counter({
      name: "gateway_edge_cancellations_total",
      help: "Jobs the edge cancelled because nobody wanted the output any more, by reason.",
      labelNames: ["reason"],
      registers,
    }),
  };
}
