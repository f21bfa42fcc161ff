import type { DispatchLimits } from "../backends/with-failover.ts";
import { CancelledAbort } from "./abort-reasons.ts";

/**
 * Splits `items` into batches of `batchSize` and runs them at once, each with `run` (a failover
 * of its own, so each takes the least-loaded backend with a free slot). When one batch finally
 * fails, the others are aborted (their answers would be thrown away) and its failure is thrown.
 * Results come back in item order.
 */
export async function dispatchBatches<T, R>(
  items: readonly T[],
  batchSize: number,
  limits: DispatchLimits,
  run: (batch: T[], offset: number, limits: DispatchLimits) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const siblings = new AbortController();
  const onAbort = () => siblings.abort(limits.signal.reason);
  limits.signal.addEventListener("abort", onAbort, { once: true });
  const batchLimits = { ...limits, signal: siblings.signal };
  const batches: { offset: number; batch: T[] }[] = [];
  for (let offset = 0; offset < items.length; offset += batchSize) batches.push({ offset, batch: items.slice(offset, offset + batchSize) });
  try {
    await Promise.all(
      batches.map(async ({ offset, batch }) => {
        const results = await run(batch, offset, batchLimits).catch((err: unknown) => {
          siblings.abort(new CancelledAbort("another batch of the request failed"));
          throw err;
        });
        results.forEach((r, i) => (out[offset + i] = r));
      }),
    );
    return out;
  } finally {
    limits.signal.removeEventListener("abort", onAbort);
  }
}
