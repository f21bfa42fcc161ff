import {
  pendingKey,
  registryKey,
  WorkerRegistry,
  type GatewayConfig,
  type ModelCapabilities,
  type ModelConfig,
  type ModelDetail,
  type ModelList,
} from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import { capabilities, mergeBackends, modelDetail, modelObject, readySlots, type MergedBackend } from "./model-view.ts";
import { modelIndex } from "./model-index.ts";

/** Expired entries are dropped from the pending sets this often (in refreshes); counting skips them anyway. */
const PRUNE_EVERY = 120;

/**
 * The live registry as the edge sees it: the workers' snapshots and each model's queued-job
 * count, refreshed in the background every `refreshMs`, so /v1/models and admission read memory
 * and never pay a Redis round trip. Snapshots older than `staleMs` (a dead worker's) are ignored.
 */
export class ModelDirectory {
  private merged = new Map<string, MergedBackend>();
  private service = new Map<string, number>();
  private pending = new Map<string, number>();
  private live = 0;
  private refreshes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly byName: ReadonlyMap<string, ModelConfig>;
  /** OpenAI's `created`: the configuration has no date, so the time this edge loaded it. */
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly config: GatewayConfig,
    private readonly staleMs: number,
    private readonly logger: Logger,
    private readonly refreshMs = 500,
  ) {
    this.byName = modelIndex(config);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  list(allowed: (model: ModelConfig) => boolean = () => true): ModelList {
    return { object: "list", data: this.config.models.filter(allowed).map((m) => modelObject(m, this.merged, this.created)) };
  }

  /** By id or alias; undefined for a name that is not configured. */
  detail(name: string): ModelDetail | undefined {
    const model = this.byName.get(name);
    return model ? modelDetail(model, this.merged, this.created) : undefined;
  }

  /** What the model can do as of the latest registry (by id or alias); undefined for a name that is not configured. */
  capabilities(name: string): ModelCapabilities | undefined {
    const model = this.byName.get(name);
    return model ? capabilities(model, this.merged) : undefined;
  }

  /**
   * How long a job enqueued now for `model` would wait for a slot: the jobs ahead of it shared
   * over the ready slots, times the recent mean slot-hold time. Undefined while that cannot be
   * told (no live worker, no ready slot, no service time yet): the caller then admits.
   */
  expectedWaitMs(model: string): number | undefined {
    const config = this.byName.get(model);
    const queued = this.pending.get(model) ?? 0;
    if (!config || this.live === 0) return undefined;
    if (queued === 0) return 0;
    const slots = readySlots(config, this.merged);
    const service = this.service.get(config.id);
    if (slots === 0 || service === undefined) return undefined;
    return (queued / slots) * service;
  }

  async refresh(): Promise<void> {
    const now = Date.now();
    const ids = this.config.models.map((m) => m.id);
    try {
      const prune = this.refreshes++ % PRUNE_EVERY === 0;
      // One write on the autopipelined connection: the hash and every count in a single round trip.
      const [entries, ...counts] = await Promise.all([
        this.redis.hgetall(registryKey(this.namespace)),
        ...ids.map(async (id) => {
          const key = pendingKey(this.namespace, id);
          if (prune) await this.redis.zremrangebyscore(key, "-inf", now);
          return this.redis.zcount(key, now, "+inf");
        }),
      ]);
      const snapshots = Object.values(entries).flatMap((raw) => {
        const snapshot = parseSnapshot(raw);
        return snapshot && snapshot.at >= now - this.staleMs ? [snapshot] : [];
      });
      this.live = snapshots.length;
      this.merged = mergeBackends(snapshots);
      this.service = meanServiceTimes(snapshots);
      this.pending = new Map(ids.map((id, i) => [id, counts[i] ?? 0]));
    } catch (err) {
      this.logger.warn({ err }, "could not refresh the model registry");
    }
  }
}

/** Per model, the mean over live workers of their recent slot-hold time. */
function meanServiceTimes(snapshots: readonly WorkerRegistry[]): Map<string, number> {
  const sums = new Map<string, { total: number; n: number }>();
  for (const s of snapshots) {
    for (const m of s.models) {
      if (m.service_ms === null) continue;
      const sum = sums.get(m.id) ?? { total: 0, n: 0 };
      sums.set(m.id, { total: sum.total + m.service_ms, n: sum.n + 1 });
    }
  }
  return new Map([...sums].map(([id, { total, n }]) => [id, total / n]));
}

/** A worker of another version may write what this edge cannot read: skip it rather than fail the refresh. */
function parseSnapshot(raw: string): WorkerRegistry | undefined {
  try {
    const parsed = WorkerRegistry.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
