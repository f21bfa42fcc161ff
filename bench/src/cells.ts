import { TOKENS } from "./backends.ts";
import { cpuByPid, cpuSpent } from "./cpu.ts";
import { percentile, streamLoop } from "./streams.ts";
import type { Endpoint, Target } from "./targets/target.ts";
import { wrk } from "./wrk.ts";

const messages = [{ role: "user", content: "Tell me a story about a girl and a red ball." }];
const body = (endpoint: Endpoint, stream: boolean) => JSON.stringify({ model: endpoint.model, messages, max_tokens: TOKENS, stream });

interface Spent {
  cpuUs: number;
  sideCpuUs: number;
  /** Each of the target's named processes (the process itself, from the same readings): µs. */
  partsUs: Record<string, number>;
}

/** Runs `load` and returns what it returned, with the CPU µs the target's processes (and its side processes) spent meanwhile. */
async function withCpu<T extends object>(target: Target, load: () => Promise<T>): Promise<T & Spent> {
  const sidePids = async () => (target.side ? await target.side.pids() : []);
  const [before, sideBefore] = [cpuByPid(target.pids), cpuByPid(await sidePids())];
  const result = await load();
  const [after, sideAfter] = [cpuByPid(target.pids), cpuByPid(await sidePids())];
  const partsUs = Object.fromEntries((target.parts ?? []).map((p) => [p.name, (after.get(p.pid) ?? 0) - (before.get(p.pid) ?? 0)]));
  return { ...result, cpuUs: cpuSpent(before, after), sideCpuUs: target.side ? cpuSpent(sideBefore, sideAfter) : NaN, partsUs };
}

/** `cpu:<name>` per unit of work, for each named process. */
const perPart = (partsUs: Record<string, number>, count: number) =>
  Object.fromEntries(Object.entries(partsUs).map(([name, us]) => [`cpu:${name}`, us / count]));

/** Non-stream requests from wrk, `connections` at a time, for `seconds`. */
export async function nonStreamCell(target: Target, connections: number, seconds: number) {
  const r = await withCpu(target, () => wrk(target.fast, body(target.fast, false), connections, seconds));
  return {
    p50: r.p50Ms,
    p99: r.p99Ms,
    rps: r.rps,
    requests: r.requests,
    cpu: r.cpuUs / r.requests,
    sideCpu: r.sideCpuUs / r.requests,
    ...perPart(r.partsUs, r.requests),
    errors: r.errors,
  };
}

/** `streams` streamed completions at a time, for `seconds`. */
export async function streamCell(target: Target, streams: number, seconds: number) {
  const r = await withCpu(target, () => streamLoop(target.paced, body(target.paced, true), streams, seconds));
  const [ttft50, gap99] = [percentile(r.ttft, 50), percentile(r.gaps, 99)];
  return {
    ttft50,
    gap99,
    rate: r.streams / seconds,
    streams: r.streams,
    cpu: r.cpuUs / r.streams,
    sideCpu: r.sideCpuUs / r.streams,
    ...perPart(r.partsUs, r.streams),
    errors: r.errors,
  };
}

/** CPU ms per second the target spends with no load at all (heartbeats, probes, polling). */
export async function idleCell(target: Target, seconds: number) {
  const r = await withCpu(target, () => new Promise<object>((resolve) => setTimeout(() => resolve({}), seconds * 1000)));
  const parts = Object.fromEntries(Object.entries(r.partsUs).map(([name, us]) => [`idle:${name}`, us / 1000 / seconds]));
  return { idle: r.cpuUs / 1000 / seconds, ...parts };
}
