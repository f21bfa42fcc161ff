import type { Usage } from "@gateway/contracts";

/**
 * connect: no connection (refused, reset twice, connect timeout); status: a non-200 answer;
 * loading: 503 "Loading model"; timeout: first-token, idle or total timer; stream: the body
 * failed or said `error:`; cancelled: our caller aborted (cancel message or shutdown); open:
 * the backend's circuit breaker refused the call without sending it.
 */
export type FailureKind = "connect" | "status" | "loading" | "timeout" | "stream" | "cancelled" | "open";
export type TimeoutPhase = "first_token" | "idle" | "total";

export interface UpstreamErrorDetails {
  status?: number;
  timeout?: TimeoutPhase;
  /** Content tokens received before the failure: after the first one, nothing is retried. */
  tokens: number;
  /** Usage, if the backend reported it before failing. */
  usage?: Usage | null;
  /** Why the caller aborted, for kind "cancelled". */
  reason?: unknown;
  /**
   * The request itself was at fault (a 4xx, or a 500 llama-server gives for input it cannot
   * take): another backend would answer the same, and it says nothing about this one's health.
   */
  requestCaused?: boolean;
  /**
   * The backend cannot do what the request asks (tools without --jinja, images without a vision
   * projector, tools on a stream on old builds): another backend may, and this one is not unhealthy.
   */
  unsupported?: boolean;
}

export class UpstreamError extends Error {
  override name = "UpstreamError";
  /** The backend that failed, set by the dispatcher (the client does not know about pools). */
  backend: string | undefined;
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly details: UpstreamErrorDetails,
  ) {
    super(message);
  }

  /**
   * Whether another backend may take the request invisibly: only before any token went out,
   * and not for a 4xx, which another llama-server would answer the same way.
   */
  get retryable(): boolean {
    return this.details.tokens === 0 && this.retryableKind;
  }

  /** Whether another backend may take the request, tokens aside (a non-stream job may replay them). */
  get retryableKind(): boolean {
    return this.kind !== "cancelled" && !this.requestCaused;
  }

  /** Whether this failure says the backend is unhealthy: what opens its circuit breaker. */
  get countsAgainstBackend(): boolean {
    return this.kind !== "cancelled" && this.kind !== "loading" && this.kind !== "open" && !this.requestCaused && !this.details.unsupported;
  }

  /** A 4xx other than 408/429, or a failure marked as the request's own (see details.requestCaused). */
  get requestCaused(): boolean {
    if (this.details.requestCaused !== undefined) return this.details.requestCaused;
    const status = this.details.status;
    return this.kind === "status" && status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  }
}

/** The reason our own watchdog aborts a request with, so the error can say which timer fired. */
export class TimeoutAbort extends Error {
  override name = "TimeoutAbort";
  constructor(readonly phase: TimeoutPhase) {
    super(`backend ${phase.replace("_", " ")} timeout`);
  }
}
