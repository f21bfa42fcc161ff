/** The bench's knobs, read once. */
const int = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
};

export const env = {
  /** Length of one measured cell; wrk counts in whole seconds, so it is rounded up to one. */
  durationS: Math.ceil(int("BENCH_DURATION_MS", 3_000, 1) / 1000),
  /** Interleaved repetitions of every cell; medians are reported. */
  reps: int("BENCH_REPS", 3, 1),
  /** Load sent to each target once before the first rep (connections, JIT, caches). */
  warmupS: Math.ceil(int("BENCH_WARMUP_MS", 2_000, 0) / 1000),
  /** A folder: the gateway's services write V8 CPU profiles there on exit. */
  cpuProfDir: process.env.BENCH_CPU_PROF || undefined,
  /**
   * The peers run beside direct (every "added" number is against it) and this gateway, comma
   * separated: "nginx,portkey,floor,floor-bullmq" by default. "none" makes a quicker run while
   * working on the gateway; the targets table needs Portkey.
   */
  peers: (process.env.BENCH_PEERS || "nginx,portkey,floor,floor-bullmq")
    .toLowerCase()
    .split(",")
    .map((t) => t.trim()),
  /**
   * Layer sets to price on floor+BullMQ's front, each run as one more peer, separated by ";":
   * e.g. "express;express,json;express,json,zod,twice" (see floor/floor-edge.ts). None by default.
   */
  floorLayers: (process.env.BENCH_FLOOR_LAYERS ?? "")
    .split(";")
    .map((t) => t.trim())
    .filter(Boolean),
};
