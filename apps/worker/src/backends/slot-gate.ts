import { pendingKey, slotLeasesKey } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";

/**
 * Takes a slot on the least-loaded candidate with room, in one round trip. Expired leases (a dead
 * worker's) are dropped first, so a crash holds a slot for at most one TTL. Time is Redis's own,
 * so workers' clocks never disagree about expiry. The request leaves its model's pending set in
 * the same call: from here on it holds a slot rather than waits.
 *
 * KEYS: the candidates' lease sets in preference order, then the model's pending set.
 * ARGV: lease id, ttl ms, request id ("" for none), then each candidate's capacity.
 * Returns the 1-based index of the chosen candidate, or 0 when all are full.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS - 1
local best, bestLoad = 0, 2
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  local cap = tonumber(ARGV[3 + i])
  local used = redis.call('ZCARD', KEYS[i])
  if used < cap and used / cap < bestLoad then best, bestLoad = i, used / cap end
end
if best == 0 then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[best], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[best], ttl * 2)
if ARGV[3] ~= '' then redis.call('ZREM', KEYS[n + 1], ARGV[3]) end
return best`;

/** Pushes the expiry of leases still held. KEYS: lease sets; ARGV: ttl ms, then one lease id per key. */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ttl * 2)
end
return #KEYS`;

/** Live leases per set, after dropping expired ones. KEYS: lease sets. */
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  out[i] = redis.call('ZCARD', KEYS[i])
end
return out`;

type ScriptRunner = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface SlotCandidate {
  readonly url: string;
  readonly slots: number;
}

export interface TakenSlot {
  readonly url: string;
  /** Returns the slot; safe to call more than once. Never awaited: it must not delay the reply. */
  release(): void;
}

/**
 * The cross-replica slot semaphore: one Redis sorted set of leases per backend, so in-flight
 * requests per backend stay within its slots across every worker process, not just this one.
 */
export class SlotGate {
  private readonly held = new Map<string, string>();
  private seq = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly take$: ScriptRunner;
  private readonly renew$: ScriptRunner;
  private readonly count$: ScriptRunner;

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly workerId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    // defineCommand sends EVALSHA and falls back to EVAL once per connection: no script text per call.
    redis.defineCommand("gwSlotTake", { lua: TAKE });
    redis.defineCommand("gwSlotRenew", { lua: RENEW });
    redis.defineCommand("gwSlotCount", { lua: COUNT });
    const commands = redis as unknown as Record<string, ScriptRunner>;
    this.take$ = commands.gwSlotTake!.bind(redis);
    this.renew$ = commands.gwSlotRenew!.bind(redis);
    this.count$ = commands.gwSlotCount!.bind(redis);
    // Three renewals per TTL: one missed renewal (a Redis blip, a GC pause) does not lose a lease.
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** A slot on the least-loaded candidate with room (ties go to the earliest), or undefined if all are full. */
  async take(candidates: readonly SlotCandidate[], model: string, requestId: string | undefined): Promise<TakenSlot | undefined> {
    const id = `${this.workerId}:${++this.seq}`;
    const keys = candidates.map((c) => slotLeasesKey(this.namespace, c.url));
    const index = Number(
      await this.take$(
        keys.length + 1,
        ...keys,
        pendingKey(this.namespace, model),
        id,
        this.ttlMs,
        requestId ?? "",
        ...candidates.map((c) => c.slots),
      ),
    );
    const chosen = candidates[index - 1];
    if (!chosen) return undefined;
    const key = keys[index - 1]!;
    this.held.set(id, key);
    return {
      url: chosen.url,
      release: () => {
        if (!this.held.delete(id)) return;
        this.redis
          .zrem(key, id)
          .catch((err: unknown) => this.logger.warn({ err, backend: chosen.url }, "could not release a slot lease; it expires by itself"));
      },
    };
  }

  /** Leases held on each backend by every worker together. */
  async leased(urls: readonly string[]): Promise<Map<string, number>> {
    if (urls.length === 0) return new Map();
    const counts = (await this.count$(urls.length, ...urls.map((u) => slotLeasesKey(this.namespace, u)))) as number[];
    return new Map(urls.map((u, i) => [u, Number(counts[i] ?? 0)]));
  }

  get heldCount(): number {
    return this.held.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    const keys = ids.map((id) => this.held.get(id)!);
    try {
      await this.renew$(keys.length, ...keys, this.ttlMs, ...ids);
    } catch (err) {
      this.logger.warn({ err, leases: ids.length }, "could not renew slot leases");
    }
  }
}
