import { describe, expect, it } from "vitest";
import { metricNamesIn, selectorsIn } from "./promql-in-infra.ts";

describe("metricNamesIn", () => {
  it("when an expression aggregates a histogram, then only the metric name is found", () => {
    expect(
      metricNamesIn('histogram_quantile(0.95, sum by (le, queue) (rate(gateway_queue_wait_seconds_bucket{queue="webhooks"}[5m])))'),
    ).toEqual(["gateway_queue_wait_seconds_bucket"]);
  });

  it("when an expression divides two metrics with a vector match, then both are found", () => {
    expect(metricNamesIn("sum(rate(a_total[1m])) / on (model) group_left sum(b_total) > 0.5 and up == 0")).toEqual([
      "a_total",
      "b_total",
      "up",
    ]);
  });

  it("when a name has a colon (llama-server's metrics), then it is kept whole", () => {
    expect(metricNamesIn("llamacpp:requests_processing")).toEqual(["llamacpp:requests_processing"]);
  });
});

describe("selectorsIn", () => {
  it("when selectors carry matchers with braces, commas and variables in strings, then each comes back whole", () => {
    expect(
      selectorsIn('sum by (backend) (rate(x_total{model=~".*", outcome!~"a|b"}[5m])) / sum by (backend) (rate(x_total{model=~".*"}[5m]))'),
    ).toEqual(['x_total{model=~".*", outcome!~"a|b"}', 'x_total{model=~".*"}']);
  });

  it("when an expression has functions, numbers, offsets and grouping, then none of them is a selector", () => {
    expect(
      selectorsIn(
        "histogram_quantile(0.95, sum by (le) (rate(h_bucket[1m] offset 5m))) * 3600 > 1e3 and on () absent(up == 1) or vector(0)",
      ),
    ).toEqual(["h_bucket", "up"]);
  });
});
