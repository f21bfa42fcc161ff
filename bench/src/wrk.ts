import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Endpoint } from "./targets/target.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "gw-bench-wrk-"));

export interface WrkResult {
  requests: number;
  /** Socket errors, timeouts and answers other than 2xx/3xx. */
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

// wrk's own summary is rounded for people; done() hands the exact figures over in one line.
const script = (body: string) => `wrk.method = "POST"
wrk.body = [==[${body}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK_RESULT %f %f %f %f %f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * A closed loop of `connections` keep-alive connections, one request at a time each, for
 * `seconds`: wrk, one thread, in C, so the load generator takes as little as it can of the two
 * cores it shares with everything measured.
 */
export async function wrk(endpoint: Endpoint, body: string, connections: number, seconds: number): Promise<WrkResult> {
  const file = join(dir, `${connections}-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, script(body));
  const headers = Object.entries(endpoint.headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "10s", "-s", file, ...headers, endpoint.url];
  const { stdout } = await run("wrk", args);
  const line = /^WRK_RESULT (.+)$/m.exec(stdout)?.[1];
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const [requests = 0, durationUs = 1, errors = 0, p50Us = NaN, p99Us = NaN] = line.split(" ").map(Number);
  return { requests, errors, rps: requests / (durationUs / 1e6), p50Ms: p50Us / 1000, p99Ms: p99Us / 1000 };
}
