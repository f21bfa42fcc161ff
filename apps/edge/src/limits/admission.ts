import { activeKeysKey, limitKeys, rpmKeyPrefix, type Caller, type ChatJob, type LimitKeys, type TierConfig } from "@gateway/contracts";
import { AppError, withTimeout } from "@gateway/http";
import { RefusalError } from "../http/refusal-error.ts";
import type { Logger } from "@gateway/observability";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { LeaseKeeper } from "./lease-keeper.ts";
import type { LimitMetrics } from "./limit-metrics.ts";
import { withLimitCommands, type AdmitResult, type LimitCommands } from "./limit-scripts.ts";
import { promptTokensUpperBound, type TokenizedCount } from "./prompt-tokens.ts";
import { rateLimitHeaders } from "./ratelimit-headers.ts";
import { msToUtcMidnight, USED_TTL_S, utcDay } from "./utc-day.ts";

export interface AdmitRequest {
  requestId: string;
  caller: Caller;
  /** Prompt tokens: an upper bound (never less than the real count), and optionally how to count exactly. */
  prompt: { upperBound: number; exact?: () => Promise<number | undefined> };
  /** Most tokens the request may generate (0 for embeddings). */
  maxTokens: number;
}

/** What a finished request really used; completion_tokens is absent for embeddings. */
export interface SettledUsage {
  prompt_tokens: number;
  completion_tokens?: number;
}

/** An admitted request: its queue priority, its rate limit headers, and the one way to give back what it holds. */
export interface Ticket {
  priority: number;
  headers: Record<string, string>;
  /** Settles to the real usage (undefined: nothing known to be produced) and frees the slot. Idempotent. */
  release(usage: SettledUsage | undefined): void;
}

export interface AdmissionDeps {
  /** A connection of its own (autopipelined): both admission commands leave in one write, one round trip. */
  redis: Redis;
  namespace: string;
  tiers: Readonly<Record<string, TierConfig>>;
  leaseMs: number;
  /**
   * How long admission waits for Redis's answer (QUEUE_OUTAGE_WAIT_MS): commands sent just before
   * Redis died wait for it to come back, and the request's own deadline starts only once it is
   * admitted. Past this the request is told 503, and a lease taken late is given back.
   */
  timeoutMs: number;
  leases: LeaseKeeper;
  metrics: LimitMetrics;
  logger: Logger;
  /** The model's own prompt count (a backend's /tokenize), asked only near the token quota. */
  tokenized?: TokenizedCount | undefined;
  /** The model's bound on one image's prompt tokens (its `image_tokens`). */
  imageTokens?: ((model: string) => number) | undefined;
  now?: () => number;
}

/** Seconds to wait when in-flight requests hold what is missing: they give it back as they end. */
const RETRY_SOON_S = 1;

const limitsUnavailable = () =>
  new RefusalError("unavailable", "queue_unavailable", "the gateway's limits (Redis) cannot be checked right now; retry", {
    retryAfter: 5,
  });

/**
 * Requests per minute (rate-limiter-flexible), concurrency and the daily token budget (one Lua
 * script), checked in one Redis round trip: both commands go out in the same write.
 */
export class Admission {
  private readonly redis: Redis & LimitCommands;
  private readonly perMinute = new Map<string, RateLimiterRedis>();
  private readonly markedActive = new Set<string>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: AdmissionDeps) {
    this.redis = withLimitCommands(deps.redis);
    this.now = deps.now ?? Date.now;
    for (const [name, tier] of Object.entries(deps.tiers)) {
      // A fixed 60 s window per key that starts at the key's first request (rate-limiter-flexible's
      // atomic INCR + PEXPIRE), so keys do not all reset on the same second.
      this.perMinute.set(
        name,
        new RateLimiterRedis({
          storeClient: deps.redis,
          keyPrefix: rpmKeyPrefix(deps.namespace),
          points: tier.requests_per_minute,
          duration: 60,
        }),
      );
    }
  }

  /** A chat job: its prompt (images and tools included) bounded by bytes, counted exactly by the model only if that bound does not fit. */
  admitChat(job: ChatJob): Promise<Ticket> {
    const { tokenized } = this.deps;
    const messages = job.params.messages;
    const extras = { tools: job.params.tools, imageTokens: this.deps.imageTokens?.(job.model) };
    return this.admit({
      requestId: job.request_id,
      caller: job.caller,
      maxTokens: job.params.max_tokens,
      prompt: {
        upperBound: promptTokensUpperBound(messages, extras),
        ...(tokenized && { exact: () => tokenized(job.model, messages, extras) }),
      },
    });
  }

  async admit(req: AdmitRequest): Promise<Ticket> {
    const { caller } = req;
    const tier = this.deps.tiers[caller.tier];
    const limiter = this.perMinute.get(caller.tier);
    if (!tier || !limiter) throw new AppError("permission_denied", `this API key's tier '${caller.tier}' is not configured`);
    const started = process.hrtime.bigint();
    const now = this.now();
    const keys = limitKeys(this.deps.namespace, caller.key_id);
    const day = utcDay(now);
    const upperBound = req.prompt.upperBound + req.maxTokens;
    const reserve = (amount: number) =>
      this.redis.gwAdmit(
        keys.leases,
        keys.reserved,
        keys.used(day),
        now,
        this.deps.leaseMs,
        req.requestId,
        tier.max_concurrent,
        tier.tokens_per_day,
        amount,
      );

    const outcome = await this.inTime(
      Promise.allSettled([limiter.consume(caller.key_id), reserve(upperBound)]),
      (r) => r[1],
      keys,
      req.requestId,
    );
    this.deps.metrics.checkDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (!outcome) throw limitsUnavailable();
    const [perMinute, admitted] = outcome;
    this.markActive(caller.key_id, day);
    const rpm = perMinute.status === "fulfilled" ? perMinute.value : perMinute.reason;
    let result = admitted.status === "fulfilled" ? admitted.value : undefined;
    if (result && result[4] > 0) this.deps.metrics.expiredLeases.inc(result[4]);

    if (!(rpm instanceof RateLimiterRes) || !result) {
      if (result?.[0] === 0) this.giveBack(keys, req.requestId, 0);
      this.deps.logger.error(
        { err: rpm instanceof RateLimiterRes ? (admitted as PromiseRejectedResult).reason : rpm },
        "rate limit check failed",
      );
      throw limitsUnavailable();
    }
    const headersOf = (r: AdmitResult) =>
      rateLimitHeaders({
        requestsLimit: tier.requests_per_minute,
        requestsRemaining: rpm.remainingPoints,
        requestsResetMs: rpm.msBeforeNext,
        tokensLimit: tier.tokens_per_day,
        tokensRemaining: tier.tokens_per_day - r[2] - r[3],
        tokensResetMs: msToUtcMidnight(now),
      });
    const refuse = (
      limit: "requests" | "concurrency" | "tokens",
      code: AppError["code"],
      message: string,
      retryAfter: number,
      r: AdmitResult,
    ) => {
      this.deps.metrics.rejections.inc({ tier: caller.tier, limit });
      return new AppError(code, message, { retryAfter, headers: headersOf(r) });
    };

    if (perMinute.status === "rejected") {
      if (result[0] === 0) this.giveBack(keys, req.requestId, 0);
      const r: AdmitResult = result[0] === 0 ? [0, result[1] - 1, result[2], result[3] - upperBound, 0] : result;
      const wait = Math.max(1, Math.ceil(rpm.msBeforeNext / 1000));
      throw refuse(
        "requests",
        "rate_limit_exceeded",
        `rate limit of ${tier.requests_per_minute} requests per minute reached for this API key; retry in ${wait} s`,
        wait,
        r,
      );
    }
    let amount = upperBound;
    if (result[0] === 2) {
      const exact = await this.exactAmount(req, upperBound);
      if (exact !== undefined) {
        amount = exact;
        const recount = await this.inTime(Promise.allSettled([reserve(exact)]), (r) => r[0], keys, req.requestId);
        if (!recount) throw limitsUnavailable();
        if (recount[0].status === "rejected") throw recount[0].reason;
        result = recount[0].value;
      }
    }
    if (result[0] === 1) {
      throw refuse(
        "concurrency",
        "concurrency_limit_exceeded",
        `${result[1]} requests of this API key are in flight, the most its '${caller.tier}' tier allows; retry when one finishes`,
        RETRY_SOON_S,
        result,
      );
    }
    if (result[0] === 2) {
      const [, , used, reserved] = result;
      const neverToday = used + amount > tier.tokens_per_day;
      throw refuse(
        "tokens",
        "token_quota_exceeded",
        `this request may use up to ${amount} tokens (prompt + max_tokens) but ${Math.max(0, tier.tokens_per_day - used - reserved)} of this API key's ${tier.tokens_per_day} tokens per day are left; lower max_tokens or retry later`,
        neverToday ? Math.ceil(msToUtcMidnight(now) / 1000) : RETRY_SOON_S,
        result,
      );
    }
    return this.ticket(req, keys, tier, amount, headersOf(result));
  }

  /**
   * The rate limit headers of a caller without admitting anything: for answers that end before
   * admission (a 400), so that every response to a known caller carries them. Read-only.
   */
  async peekHeaders(caller: Caller): Promise<Record<string, string>> {
    const tier = this.deps.tiers[caller.tier];
    const limiter = this.perMinute.get(caller.tier);
    if (!tier || !limiter) return {};
    const now = this.now();
    const keys = limitKeys(this.deps.namespace, caller.key_id);
    const [rpm, [, used, reserved]] = await Promise.all([
      limiter.get(caller.key_id),
      this.redis.gwPeek(keys.leases, keys.reserved, keys.used(utcDay(now)), now),
    ]);
    return rateLimitHeaders({
      requestsLimit: tier.requests_per_minute,
      requestsRemaining: rpm ? rpm.remainingPoints : tier.requests_per_minute,
      requestsResetMs: rpm ? rpm.msBeforeNext : 60_000,
      tokensLimit: tier.tokens_per_day,
      tokensRemaining: tier.tokens_per_day - used - reserved,
      tokensResetMs: msToUtcMidnight(now),
    });
  }

  /**
   * The upper bound did not fit: the model's own count may, and only here is it worth a backend
   * round trip. Undefined when there is no smaller count to try.
   */
  private async exactAmount(req: AdmitRequest, upperBound: number): Promise<number | undefined> {
    if (!req.prompt.exact) return undefined;
    const promptTokens = await req.prompt.exact();
    this.deps.metrics.tokenize.inc({ outcome: promptTokens === undefined ? "failed" : "counted" });
    if (promptTokens === undefined || promptTokens + req.maxTokens >= upperBound) return undefined;
    return promptTokens + req.maxTokens;
  }

  private ticket(req: AdmitRequest, keys: LimitKeys, tier: TierConfig, amount: number, headers: Record<string, string>): Ticket {
    this.deps.metrics.reserved.inc({ tier: req.caller.tier }, amount);
    this.deps.leases.add(req.requestId, keys);
    let released = false;
    return {
      priority: tier.priority,
      headers,
      release: (usage) => {
        if (released) return;
        released = true;
        const actual = usage ? usage.prompt_tokens + (usage.completion_tokens ?? 0) : 0;
        this.deps.metrics.settled.inc({ tier: req.caller.tier }, actual);
        this.giveBack(keys, req.requestId, actual);
      },
    };
  }

  /**
   * The outcomes of admission's commands, or undefined when Redis has not answered them within
   * `timeoutMs`; a lease it grants after that (`leaseOf` picks the reservation) is given back.
   */
  private async inTime<R extends readonly [unknown, ...unknown[]]>(
    commands: Promise<R>,
    leaseOf: (outcomes: R) => PromiseSettledResult<AdmitResult>,
    keys: LimitKeys,
    requestId: string,
  ): Promise<R | undefined> {
    // allSettled never rejects: a rejection here is the timeout.
    const outcome = await withTimeout(() => commands, this.deps.timeoutMs).catch(() => undefined);
    if (outcome) return outcome;
    this.deps.logger.warn({ request_id: requestId, ms: this.deps.timeoutMs }, "rate limit check timed out");
    void commands.then((late) => {
      const lease = leaseOf(late);
      if (lease.status === "fulfilled" && lease.value[0] === 0) this.giveBack(keys, requestId, 0);
    });
    return undefined;
  }

  /** After shutdown released everything (LeaseKeeper.releaseAll), late settlements have nothing left to do. */
  close(): void {
    this.closed = true;
  }

  private giveBack(keys: LimitKeys, requestId: string, actual: number): void {
    if (this.closed) return;
    this.deps.leases.remove(requestId);
    // Settled on the day it ended, as billing counts it by finished_at.
    this.redis.gwRelease(keys.leases, keys.reserved, keys.used(utcDay(this.now())), requestId, actual, USED_TTL_S).catch((err: unknown) => {
      this.deps.logger.warn({ err, request_id: requestId }, "could not release a concurrency lease; it expires on its own");
    });
  }

  /** Once per key and day per process: the reconciler's list of keys to check. */
  private markActive(keyId: string, day: string): void {
    const marker = `${day}/${keyId}`;
    if (this.markedActive.has(marker)) return;
    if (this.markedActive.size > 100_000) this.markedActive.clear();
    this.markedActive.add(marker);
    const key = activeKeysKey(this.deps.namespace, day);
    this.redis
      .multi()
      .sadd(key, keyId)
      .expire(key, USED_TTL_S)
      .exec()
      .catch(() => this.markedActive.delete(marker));
  }
}
