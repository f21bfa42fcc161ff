/** The UTC day of a timestamp (YYYY-MM-DD): token quotas are per UTC day, as billing's days are. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Milliseconds from `ms` to the next UTC midnight, when the daily token quota starts over. */
export const msToUtcMidnight = (ms: number): number => 86_400_000 - (ms % 86_400_000);

/** Day counters outlive their day by one, so a request settling just after midnight is still counted. */
export const USED_TTL_S = 2 * 86_400;
