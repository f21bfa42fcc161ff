import type { EdgeMetrics } from "../metrics.ts";

/**
 * Times the tokens of one streamed answer as they are written to the client, over SSE or a
 * WebSocket alike: the first against the request's arrival (time to first token), each later
 * one against the one before (inter-token gap).
 */
export function tokenTiming(metrics: EdgeMetrics, model: string, startedAt: bigint): () => void {
  let lastTokenAt: number | undefined;
  return () => {
    const now = performance.now();
    if (lastTokenAt === undefined) metrics.timeToFirstToken.observe({ model }, Number(process.hrtime.bigint() - startedAt) / 1e9);
    else metrics.interTokenGap.observe({ model }, (now - lastTokenAt) / 1000);
    lastTokenAt = now;
  };
}
