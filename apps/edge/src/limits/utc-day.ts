const DAY_MS = 86_400_000;

/** The day utcDay last formatted: a request asks for its day several times, and it is nearly always the same one. */
let last = { start: 0, end: 0, day: "1970-01-01" };

/** The UTC day of a timestamp (YYYY-MM-DD): token quotas are per UTC day, as billing's days are. */
export const utcDay = (ms: number): string => {
  if (ms < last.start || ms >= last.end) {
    const start = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    last = { start, end: start + DAY_MS, day: new Date(start).toISOString().slice(0, 10) };
  }
  return last.day;
};

/** Milliseconds from `ms` to the next UTC midnight, when the daily token quota starts over. */
export const msToUtcMidnight = (ms: number): number => DAY_MS - (ms % DAY_MS);

/** Day counters outlive their day by one, so a request settling just after midnight is still counted. */
export const USED_TTL_S = 2 * 86_400;
