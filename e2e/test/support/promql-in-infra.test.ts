import { describe, expect, it } from "vitest";
import { metricNamesIn } from "./promql-in-infra.ts";

describe("metricNamesIn", () => {
  it("when an expression aggregates a histogram, then only the metric name is found", () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le, queue) (rate(gateway_queue_wait_seconds_bucket{queue="usage"}[5m])))')).toEqual([
      "gateway_queue_wait_seconds_bucket",
    ]);
  });

  it("when an expression divides two metrics with a vector match, then both are found", () => {
    expect(metricNamesIn("sum(rate(a_total[1m])) / on (model) group_left sum(b_total) > 0.5 and up == 0")).toEqual(["a_total", "b_total", "up"]);
  });

  it("when a name has a colon (llama-server's metrics), then it is kept whole", () => {
    expect(metricNamesIn("llamacpp:requests_processing")).toEqual(["llamacpp:requests_processing"]);
  });
});
