import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { INTER_TOKEN_MS, startBackends, TOKENS, type Backends } from "./backends.ts";
import { idleCell, nonStreamCell, streamCell } from "./cells.ts";
import { ensureCommand } from "./debian.ts";
import { commandCalls, CommandTally } from "./redis-commands.ts";
import { env } from "./env.ts";
import { goalsTable, LOADS, nonStreamTable, partsTable, streamTable } from "./report.ts";
import { Samples } from "./samples.ts";
import { directTarget } from "./targets/direct.ts";
import { readHistogram, startGateway, type Histogram } from "./targets/gateway.ts";
import { startFloor } from "./targets/floor.ts";
import { startNginx } from "./targets/nginx.ts";
import { startPortkey } from "./targets/portkey.ts";
import type { Target } from "./targets/target.ts";

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);
const packageVersion = (name: string) =>
  (JSON.parse(readFileSync(createRequire(import.meta.url).resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
const LIMIT_CHECK = "gateway_edge_limit_check_duration_seconds";

if (!ensureCommand("wrk", "wrk")) throw new Error("wrk is not installed and could not be (apt-get install -y wrk)");
const backends = await startBackends();
const targets: Target[] = [directTarget(backends)];
const notes: string[] = [];
try {
  const peers: [string, (b: Backends) => Promise<Target | string>][] = [
    ["nginx", startNginx],
    ["portkey", startPortkey],
    ["floor", (b) => startFloor(b, "list")],
    ["floor-bullmq", (b) => startFloor(b, "bullmq")],
  ];
  const wanted = [
    ...peers.filter(([name]) => env.peers.includes(name)).map(([, start]) => start),
    ...env.floorLayers.map((layers) => (b: Backends) => startFloor(b, "bullmq", layers)),
  ];
  for (const start of wanted) {
    const target = await start(backends);
    if (typeof target === "string") notes.push(target);
    else targets.push(target);
  }
  const gateway = await startGateway(backends);
  targets.push(gateway);
  const names = targets.map((t) => t.name);
  progress(`targets ${names.join(", ")}; ${env.reps} reps of ${LOADS.length * 2} cells of ${env.durationS}s each per target`);

  if (env.warmupS > 0) {
    for (const target of targets) {
      const [warm, streams] = [await nonStreamCell(target, 16, env.warmupS), await streamCell(target, 4, 1)];
      if (warm.errors || streams.errors) throw new Error(`${target.name} fails in the warm-up: ${warm.errors} + ${streams.errors} errors`);
    }
  }

  const samples = new Samples();
  // The edge's own clock around admission (requests/min, concurrency and token quota: one Redis
  // round trip), summed over the gateway's concurrency-1 cells.
  const admission: Histogram = { sum: 0, count: 0, underHalfMs: 0 };
  // The gateway's Redis commands (Lua scripts' inner commands included) at concurrency 64 and with
  // 16 streams, per request, over every rep: the profile of what each request costs Redis.
  const commands = { ns: new CommandTally(), st: new CommandTally() };
  const tally = async (kind: "ns" | "st", run: () => Promise<Record<string, number>>) => {
    const before = await commandCalls(gateway.redisPort);
    const result = await run();
    commands[kind].add(before, await commandCalls(gateway.redisPort), (kind === "ns" ? result.requests : result.streams) ?? 0);
    return result;
  };
  for (let rep = 1; rep <= env.reps; rep++) {
    progress(`rep ${rep}/${env.reps}: idle`);
    for (const target of targets) samples.add(target.name, "idle", await idleCell(target, 1));
    for (const c of LOADS) {
      progress(`rep ${rep}/${env.reps}: non-stream, concurrency ${c}`);
      for (const target of targets) {
        const before = target === gateway && c === 1 ? await readHistogram(gateway.edge, LIMIT_CHECK) : undefined;
        const cell = () => nonStreamCell(target, c, env.durationS);
        samples.add(target.name, `ns-${c}`, target === gateway && c === 64 ? await tally("ns", cell) : await cell());
        if (!before) continue;
        const after = await readHistogram(gateway.edge, LIMIT_CHECK);
        for (const k of ["sum", "count", "underHalfMs"] as const) admission[k] += after[k] - before[k];
      }
    }
    for (const n of LOADS) {
      progress(`rep ${rep}/${env.reps}: ${n} streams`);
      for (const target of targets) {
        const cell = () => streamCell(target, n, env.durationS);
        samples.add(target.name, `st-${n}`, target === gateway && n === 16 ? await tally("st", cell) : await cell());
      }
    }
  }

  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
  console.log(
    `\n${env.reps} interleaved reps (${names.join(", ")} in turn), medians; ${env.durationS}s per cell; load average at the end ${load}.`,
  );
  console.log(
    `Portkey ${packageVersion("@portkey-ai/gateway")}. ` +
      `CPU: user+system time of each target's processes during the cell, per request completed (nginx: master and workers; ` +
      `Portkey: its node process; gateway: edge, worker, billing and a redis-server of its own), not the simulator's nor the load generator's.`,
  );
  if (names.includes("Portkey"))
    notes.push(
      "Portkey waits 25 ms before relaying a stream's first event (a fixed setTimeout in its stream reader): that is in its time to first token.",
    );
  if (names.includes("floor"))
    notes.push(
      "floor: this gateway's design with nothing in it (HTTP front, a Redis list, a worker, the answer back by pub/sub; no keys, limits, validation, durability, leases or billing): what any gateway built this way costs here. floor+BullMQ: the same with BullMQ as the queue, as the gateway has it.",
    );
  for (const note of notes) console.log(note);
  if (env.cpuProfDir) console.log(`BENCH_CPU_PROF is set: the gateway's CPU numbers include the profiler's own cost.`);
  console.log(`\nNon-stream chat completion (${TOKENS} tokens, simulator with no model time: pure overhead), wrk with one thread\n`);
  console.log(nonStreamTable(samples, names));
  // Over half at or under 0.5 ms means the median is too (the histogram's bucket bound).
  console.log(
    `\nlimits (admission) at concurrency 1, measured inside the edge: mean ${((admission.sum / admission.count) * 1000).toFixed(3)} ms, ` +
      `${((admission.underHalfMs / admission.count) * 100).toFixed(0)}% of requests at or under 0.5 ms`,
  );
  console.log(
    `\ngateway's Redis commands (INFO commandstats, inside Lua scripts too; background work included), non-stream at concurrency 64: ` +
      commands.ns.describe(),
  );
  console.log(`\nStreams (${TOKENS} tokens, simulator paced at one token per ${INTER_TOKEN_MS} ms), streams back to back per client\n`);
  console.log(streamTable(samples, names));
  console.log(`\ngateway's Redis commands per stream, 16 streams: ${commands.st.describe()}`);
  console.log(`\nCPU process by process (medians of each process's own reps: they need not add up to the total's median)`);
  for (const target of targets) {
    const parts = partsTable(
      samples,
      target.name,
      (target.parts ?? []).map((p) => p.name),
    );
    if (parts) console.log(`\n${parts}`);
  }
  console.log(`\nTargets for this gateway, judged on this run\n`);
  console.log(goalsTable(samples, names));
} finally {
  for (const target of targets.reverse()) await target.stop();
  await backends.stop();
}
