import { prom, type Registry } from "@gateway/observability";
import { REJECTION_REASONS } from "./http/rejection-reasons.ts";

export type EdgeMetrics = ReturnType<typeof edgeMetrics>;

/** Sub-millisecond resolution where the gateway's own budget lives (a few ms), seconds beyond. */
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function edgeMetrics(registry: Registry) {
  const registers = [registry];
  const metrics = {
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
    overhead: new prom.Histogram({
      name: "gateway_edge_overhead_seconds",
      help: "Edge time of an inference request not spent in llama-server calls (as the worker reports them): auth, limits, queue, slot wait, relay. Requests a worker answered only.",
      labelNames: ["route"],
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
    timeToFirstToken: new prom.Histogram({
      name: "gateway_edge_time_to_first_token_seconds",
      help: "Time from request arrival to the first streamed token written to the client.",
      labelNames: ["model"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    interTokenGap: new prom.Histogram({
      name: "gateway_edge_inter_token_seconds",
      help: "Time between two consecutive tokens written to a stream client.",
      labelNames: ["model"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    activeStreams: new prom.Gauge({
      name: "gateway_edge_active_streams",
      help: "Streams currently open to clients: SSE responses and chat requests running on WebSockets.",
      registers,
    }),
    slowClients: new prom.Counter({
      name: "gateway_edge_slow_clients_total",
      help: "Clients cut off because they stopped reading: more than SLOW_CLIENT_BUFFER_BYTES waited for them (sse, websocket).",
      labelNames: ["transport"],
      registers,
    }),
    rejections: new prom.Counter({
      name: "gateway_edge_rejections_total",
      help: `Requests refused without being served, by reason (${REJECTION_REASONS.join(", ")}; see apps/edge/src/http/rejection-reasons.ts).`,
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
  // Every reason exists from the start at 0: rate() and increase() then see the first rejection.
  for (const reason of REJECTION_REASONS) metrics.rejections.inc({ reason }, 0);
  for (const transport of ["sse", "websocket"]) metrics.slowClients.inc({ transport }, 0);
  return metrics;
}
