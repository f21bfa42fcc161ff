import type { Logger } from "@gateway/observability";
import type { StreamState } from "../llama/read-chat-stream.ts";
import { withFailover, type DispatchDeps, type DispatchLimits } from "../backends/with-failover.ts";

export interface ChatTarget {
  model: string;
  body: object;
  onContent: (text: string) => void;
  /**
   * Set when nobody has seen any output yet (a non-stream job): a backend that fails even after
   * tokens is then replaced invisibly, and this is called to drop what it had produced.
   */
  onRestart?: () => void;
}

export interface DispatchResult {
  state: StreamState;
  backend: string;
}

/**
 * Runs one chat request on the model's pool, under each backend's breaker. A failure before the
 * first token moves on to a backend not tried yet, after a short backoff, invisibly to the
 * client; after the first token the error is final unless the client has seen nothing (see
 * `onRestart`). Throws UpstreamError (with its backend) or NoBackendError.
 */
export async function dispatchChat(target: ChatTarget, limits: DispatchLimits, deps: DispatchDeps, log: Logger): Promise<DispatchResult> {
  const { client, metrics } = deps;
  const { model } = target;
  return withFailover(
    {
      model,
      capability: "chat",
      onRestart: target.onRestart,
      call: async (backend, seconds) => {
        const state = await client.streamChat(backend, target.body, {
          signal: limits.signal,
          onContent: target.onContent,
          onFirstToken: () => metrics.timeToFirstToken.observe({ model, backend }, seconds()),
          onUncancelled: () => metrics.uncancelled.inc({ model, reason: "stuck" }),
        });
        return { state, backend };
      },
    },
    limits,
    deps,
    log,
  );
}
