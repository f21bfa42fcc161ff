import { closedLoop, percentile, streamLoop, type Target } from "./load.ts";
import { startStack } from "./start-stack.ts";

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const messages = [{ role: "user", content: "Tell me a story about a girl and a red ball." }];
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;

const stack = await startStack();
const json = { "content-type": "application/json" };
const direct = (origin: string): Target => ({ origin, path: "/v1/chat/completions", headers: json });
const gateway: Target = { origin: stack.edge, path: "/v1/chat/completions", headers: { ...json, authorization: `Bearer ${stack.apiKey}` } };

try {
  console.log(`\nNon-stream chat completion (max_tokens 16, simulator with no model time: pure overhead), ${DURATION_MS / 1000}s per cell\n`);
  console.log(row(["concurrency", "direct req/s", "gateway req/s", "direct p50 ms", "gateway p50 ms", "added p50 ms", "direct p99 ms", "gateway p99 ms", "added p99 ms", "errors"]));
  console.log(row(Array(10).fill("---")));
  for (const concurrency of [1, 16, 64]) {
    const d = await closedLoop(direct(stack.sims.fast), JSON.stringify({ model: "x", messages, max_tokens: 16 }), concurrency, DURATION_MS);
    const g = await closedLoop(gateway, JSON.stringify({ model: "bench-fast", messages, max_tokens: 16 }), concurrency, DURATION_MS);
    const [d50, g50, d99, g99] = [percentile(d.latencies, 50), percentile(g.latencies, 50), percentile(d.latencies, 99), percentile(g.latencies, 99)];
    console.log(row([concurrency, fmt(d.rps, 0), fmt(g.rps, 0), fmt(d50), fmt(g50), fmt(g50 - d50), fmt(d99), fmt(g99), fmt(g99 - d99), d.errors + g.errors]));
  }

  const perLoop = Math.max(5, Math.round(DURATION_MS / 150));
  console.log(`\n16 concurrent streams (32 tokens, simulator paced at one token per 2 ms), ${perLoop} streams per client\n`);
  const streamBody = (model: string) => JSON.stringify({ model, messages, max_tokens: 32, stream: true });
  const ds = await streamLoop(direct(stack.sims.paced), streamBody("x"), 16, perLoop);
  const gs = await streamLoop(gateway, streamBody("bench-paced"), 16, perLoop);
  console.log(row(["metric", "direct p50 ms", "gateway p50 ms", "added p50 ms", "direct p99 ms", "gateway p99 ms", "added p99 ms"]));
  console.log(row(Array(7).fill("---")));
  for (const [name, d, g] of [["time to first token", ds.ttft, gs.ttft], ["inter-token gap", ds.gaps, gs.gaps]] as const) {
    const [d50, g50, d99, g99] = [percentile(d, 50), percentile(g, 50), percentile(d, 99), percentile(g, 99)];
    console.log(row([name, fmt(d50), fmt(g50), fmt(g50 - d50), fmt(d99), fmt(g99), fmt(g99 - d99)]));
  }
  console.log(`\nstream errors: direct ${ds.errors}, gateway ${gs.errors}`);
} finally {
  await stack.stop();
}
