import { closedLoop, percentile, streamLoop, type Target } from "./load.ts";
import { startStack } from "./start-stack.ts";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const messages = [{ role: "user", content: "Tell me a story about a girl and a red ball." }];
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

/** Sum, count and the count at or under 0.5 ms of one unlabelled histogram on a service's /metrics. */
async function histogram(origin: string, name: string): Promise<{ sum: number; count: number; underHalfMs: number }> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const value = (suffix: string, labels = "[^}]*") =>
    Number(new RegExp(`^${name}_${suffix}(?:\\{${labels}\\})? (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return { sum: value("sum"), count: value("count"), underHalfMs: value("bucket", `[^}]*le="0.0005"[^}]*`) };
}

const stack = await startStack();
const json = { "content-type": "application/json" };
const direct = (origin: string): Target => ({ origin, path: "/v1/chat/completions", headers: json });
const gateway: Target = { origin: stack.edge, path: "/v1/chat/completions", headers: { ...json, authorization: `Bearer ${stack.apiKey}` } };

try {
  console.log(
    `\nNon-stream chat completion (max_tokens 16, simulator with no model time: pure overhead), ${DURATION_MS / 1000}s per cell\n`,
  );
  console.log(
    row([
      "concurrency",
      "direct req/s",
      "gateway req/s",
      "direct p50 ms",
      "gateway p50 ms",
      "added p50 ms",
      "direct p99 ms",
      "gateway p99 ms",
      "added p99 ms",
      "errors",
    ]),
  );
  console.log(row(Array(10).fill("---")));
  let admissionMs = NaN;
  let admissionUnderHalfMs = NaN;
  for (const concurrency of [1, 16, 64]) {
    const d = await closedLoop(direct(stack.sims.fast), JSON.stringify({ model: "x", messages, max_tokens: 16 }), concurrency, DURATION_MS);
    const before = await histogram(stack.edge, "gateway_edge_limit_check_duration_seconds");
    const g = await closedLoop(gateway, JSON.stringify({ model: "bench-fast", messages, max_tokens: 16 }), concurrency, DURATION_MS);
    const after = await histogram(stack.edge, "gateway_edge_limit_check_duration_seconds");
    if (concurrency === 1) {
      admissionMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
      admissionUnderHalfMs = (after.underHalfMs - before.underHalfMs) / (after.count - before.count);
    }
    const [d50, g50, d99, g99] = [
      percentile(d.latencies, 50),
      percentile(g.latencies, 50),
      percentile(d.latencies, 99),
      percentile(g.latencies, 99),
    ];
    console.log(
      row([
        concurrency,
        fmt(d.rps, 0),
        fmt(g.rps, 0),
        fmt(d50),
        fmt(g50),
        fmt(g50 - d50),
        fmt(d99),
        fmt(g99),
        fmt(g99 - d99),
        d.errors + g.errors,
      ]),
    );
  }

  // The edge's own clock around admission (requests/min, concurrency and token quota: one Redis
  // round trip); authentication with a cached key adds a hash and a map lookup.
  // Over half at or under 0.5 ms means the median is too (the histogram's bucket bound).
  console.log(
    `\nlimits (admission) at concurrency 1, measured inside the edge: mean ${fmt(admissionMs, 3)} ms, ${fmt(admissionUnderHalfMs * 100, 0)}% of requests at or under 0.5 ms`,
  );

  const perLoop = Math.max(5, Math.round(DURATION_MS / 150));
  console.log(`\nStreams (32 tokens, simulator paced at one token per 2 ms), ${perLoop} streams per client\n`);
  const streamBody = (model: string) => JSON.stringify({ model, messages, max_tokens: 32, stream: true });
  // One stream alone shows the hops' own cost; sixteen at once load this machine's two cores.
  const ds1 = await streamLoop(direct(stack.sims.paced), streamBody("x"), 1, perLoop);
  const gs1 = await streamLoop(gateway, streamBody("bench-paced"), 1, perLoop);
  const ds = await streamLoop(direct(stack.sims.paced), streamBody("x"), 16, perLoop);
  const gs = await streamLoop(gateway, streamBody("bench-paced"), 16, perLoop);
  console.log(row(["metric", "direct p50 ms", "gateway p50 ms", "added p50 ms", "direct p99 ms", "gateway p99 ms", "added p99 ms"]));
  console.log(row(Array(7).fill("---")));
  const rows = [
    ["time to first token, 1 stream", ds1.ttft, gs1.ttft],
    ["time to first token, 16 streams", ds.ttft, gs.ttft],
    ["inter-token gap, 16 streams", ds.gaps, gs.gaps],
  ] as const;
  for (const [name, d, g] of rows) {
    const [d50, g50, d99, g99] = [percentile(d, 50), percentile(g, 50), percentile(d, 99), percentile(g, 99)];
    console.log(row([name, fmt(d50), fmt(g50), fmt(g50 - d50), fmt(d99), fmt(g99), fmt(g99 - d99)]));
  }
  console.log(`\nstream errors: direct ${ds1.errors + ds.errors}, gateway ${gs1.errors + gs.errors}`);
} finally {
  await stack.stop();
}
