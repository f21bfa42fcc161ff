import type { Redis } from "ioredis";

/**
 * Concurrency and the daily token budget in one atomic step: expired leases (a crashed edge's)
 * are dropped with their reservations, then the request is admitted only if a slot is free and
 * settled + reserved + this request's reservation fits the budget. Concurrent admissions on any
 * number of replicas are serialised by Redis, so none can slip past.
 * Returns {status (0 ok, 1 concurrency, 2 tokens), in flight, settled, reserved, leases expired}.
 */
const ADMIT = `
local now = tonumber(ARGV[1])
local lease_ms = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[2], unpack(expired))
end
local inflight = redis.call('ZCARD', KEYS[1])
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
local reserved = 0
for _, v in ipairs(redis.call('HVALS', KEYS[2])) do reserved = reserved + tonumber(v) end
local amount = tonumber(ARGV[6])
if inflight >= tonumber(ARGV[4]) then return {1, inflight, used, reserved, #expired} end
if used + reserved + amount > tonumber(ARGV[5]) then return {2, inflight, used, reserved, #expired} end
redis.call('ZADD', KEYS[1], now + lease_ms, ARGV[3])
redis.call('HSET', KEYS[2], ARGV[3], amount)
redis.call('PEXPIRE', KEYS[1], lease_ms * 2)
redis.call('PEXPIRE', KEYS[2], lease_ms * 2)
return {0, inflight + 1, used, reserved + amount, #expired}
`;

/** Gives the slot and the reservation back and counts what was really used (0 if nothing was produced). */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
local actual = tonumber(ARGV[2])
if actual > 0 then
  redis.call('INCRBY', KEYS[3], actual)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
return actual
`;

/**
 * Raises a day's counter to what billing recorded, less what is reserved in flight: a request
 * billed but not yet settled here is still reserved, so it is never counted twice. Only raises:
 * usage the edge counted that billing has not (yet) seen stays counted.
 * Returns the number of tokens added.
 */
const RECONCILE = `
local now = tonumber(ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf')
local reserved = 0
if #live > 0 then
  for _, v in ipairs(redis.call('HMGET', KEYS[2], unpack(live))) do reserved = reserved + (tonumber(v) or 0) end
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = tonumber(ARGV[1]) - reserved
if target > used then
  redis.call('SET', KEYS[1], target, 'EX', ARGV[3])
  return target - used
end
return 0
`;

/** What admission would see, without admitting: {in flight (live leases), settled today, reserved}. */
const PEEK = `
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local reserved = 0
if #live > 0 then
  for _, v in ipairs(redis.call('HMGET', KEYS[2], unpack(live))) do reserved = reserved + (tonumber(v) or 0) end
end
return {#live, tonumber(redis.call('GET', KEYS[3]) or '0'), reserved}
`;

export type AdmitResult = [status: 0 | 1 | 2, inflight: number, used: number, reserved: number, expired: number];

export interface LimitCommands {
  gwAdmit(
    leases: string,
    reserved: string,
    used: string,
    now: number,
    leaseMs: number,
    requestId: string,
    maxConcurrent: number,
    tokensPerDay: number,
    amount: number,
  ): Promise<AdmitResult>;
  gwRelease(leases: string, reserved: string, used: string, requestId: string, actual: number, ttlS: number): Promise<number>;
  gwReconcile(used: string, reserved: string, leases: string, billed: number, now: number, ttlS: number): Promise<number>;
  gwPeek(leases: string, reserved: string, used: string, now: number): Promise<[inflight: number, used: number, reserved: number]>;
}

/** Registers the scripts on a connection (EVALSHA, loaded on first use) and types them. */
export function withLimitCommands(redis: Redis): Redis & LimitCommands {
  if (!("gwAdmit" in redis)) {
    redis.defineCommand("gwAdmit", { numberOfKeys: 3, lua: ADMIT });
    redis.defineCommand("gwRelease", { numberOfKeys: 3, lua: RELEASE });
    redis.defineCommand("gwReconcile", { numberOfKeys: 3, lua: RECONCILE });
    redis.defineCommand("gwPeek", { numberOfKeys: 3, lua: PEEK });
  }
  return redis as Redis & LimitCommands;
}
