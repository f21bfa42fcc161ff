import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  /** Latencies in milliseconds, sorted ascending. */
  latencies: number[];
}

export interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** `concurrency` closed loops of one request at a time for `durationMs`, after a warm-up. */
export async function closedLoop(
  target: Target,
  body: string,
  concurrency: number,
  durationMs: number,
  warmupMs = 1_000,
): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stopAt = Date.now() + warmupMs + durationMs;
  const loop = async () => {
    while (Date.now() < stopAt) {
      const start = process.hrtime.bigint();
      try {
        const res = await pool.request({ method: "POST", path: target.path, headers: target.headers, body });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
        if (measuring) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch {
        if (measuring) errors++;
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const measuredFrom = Date.now();
  stopAt = measuredFrom + durationMs;
  await Promise.all(loops);
  const seconds = (Date.now() - measuredFrom) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, rps: latencies.length / seconds, latencies };
}

export interface StreamResult {
  /** Time to the first content token, ms, sorted. */
  ttft: number[];
  /** Gaps between consecutive content tokens, ms, sorted. */
  gaps: number[];
  errors: number;
}

/** `concurrency` loops of streamed completions; times every content event as it arrives. */
export async function streamLoop(target: Target, body: string, concurrency: number, perLoop: number): Promise<StreamResult> {
  const pool = new Pool(target.origin, { connections: concurrency, keepAliveTimeout: 60_000 });
  const ttft: number[] = [];
  const gaps: number[] = [];
  let errors = 0;
  const loop = async () => {
    for (let i = 0; i < perLoop; i++) {
      const start = process.hrtime.bigint();
      let last: bigint | undefined;
      try {
        const res = await pool.request({ method: "POST", path: target.path, headers: target.headers, body });
        for await (const data of res.body) {
          const now = process.hrtime.bigint();
          // One network read may carry several events; each content event is a token.
          const tokens = (data.toString().match(/"content":"/g) ?? []).length;
          if (tokens === 0) continue;
          if (last === undefined) ttft.push(Number(now - start) / 1e6);
          else gaps.push(Number(now - last) / 1e6);
          last = now;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  await pool.close();
  ttft.sort((a, b) => a - b);
  gaps.sort((a, b) => a - b);
  return { ttft, gaps, errors };
}
