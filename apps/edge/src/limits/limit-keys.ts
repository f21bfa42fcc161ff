/** The UTC day of a timestamp (YYYY-MM-DD): token quotas are per UTC day, as billing's days are. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Milliseconds from `ms` to the next UTC midnight, when the daily token quota starts over. */
export const msToUtcMidnight = (ms: number): number => 86_400_000 - (ms % 86_400_000);

/**
 * Redis names of one key's limits. The `{key id}` hash tag keeps a key's names in one cluster
 * slot, so each Lua script touches one slot only.
 */
export function limitKeys(namespace: string, keyId: string) {
  const base = `${namespace}:limits:{${keyId}}`;
  return {
    /** ZSET request id → lease expiry (epoch ms): the concurrency slots in use. */
    leases: `${base}:leases`,
    /** HASH request id → tokens reserved (prompt estimate + max_tokens). */
    reserved: `${base}:reserved`,
    /** Tokens settled on a UTC day (real usage, not estimates). */
    used: (day: string) => `${base}:used:${day}`,
  };
}
export type LimitKeys = ReturnType<typeof limitKeys>;

/** SET of key ids that were admitted on a day: the keys the reconciler checks against billing. */
export const activeKeysKey = (namespace: string, day: string) => `${namespace}:limits:active:${day}`;
export const rpmKeyPrefix = (namespace: string) => `${namespace}:limits:rpm`;
export const reconcileLockKey = (namespace: string) => `${namespace}:limits:reconcile-lock`;

/** Day counters outlive their day by one, so a request settling just after midnight is still counted. */
export const USED_TTL_S = 2 * 86_400;
