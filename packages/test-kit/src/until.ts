/**
 * Polls `check` until it holds, for conditions a test cannot await directly (another process's
 * state, a queue, a simulator's counters); fails after `timeoutMs`.
 */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
