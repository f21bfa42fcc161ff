import { AppError } from "@gateway/http";
import { RateLimiterMemory } from "rate-limiter-flexible";

/**
 * Bounds how many unknown API keys one client address may try per minute. Each unknown key is a
 * key-store query (the cache only remembers keys it has seen), so a flood of random keys from
 * one address would otherwise be one Postgres query each. Per edge process, in memory: each
 * replica protects its own database connections, and nothing is asked of Redis on this path.
 */
export class UnknownKeyThrottle {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly perMinute: number) {
    this.limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  }

  /** 429 when the address is over its bound; called only for lookups that would reach the key store. */
  async check(address: string): Promise<void> {
    const state = await this.limiter.get(address);
    if (!state || state.consumedPoints < this.perMinute) return;
    const wait = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    throw new AppError("rate_limit_exceeded", `too many unknown API keys from this address; retry in ${wait} s`, { retryAfter: wait });
  }

  /** One more unknown key from the address. */
  strike(address: string): void {
    this.limiter.penalty(address, 1).catch(() => undefined);
  }
}
