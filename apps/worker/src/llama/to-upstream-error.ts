import type { Dispatcher } from "undici";
import type { StreamState } from "./read-chat-stream.ts";
import { TimeoutAbort, UpstreamError } from "./upstream-error.ts";

/**
 * llama-server answers 500 to input it cannot take (e.g. an embeddings input longer than its
 * batch): the request's fault, not the backend's, so neither a retry nor a breaker failure.
 */
const INPUT_REJECTED = /too large|too long|exceeds|context (?:size|length)|batch size|cannot be empty|must be (?:a|an|provided)/i;

/** llama-server's 500s for what a build or its flags cannot do: another backend may, so they move on without blame. */
const UNSUPPORTED =
  /requires --jinja|Unsupported param|Cannot use tools with stream|not supported|Unsupported content part|does not support/i;

/** A non-200 answer as an UpstreamError: "Loading model" apart, and input-caused 500s marked as such. */
export async function statusError(res: Dispatcher.ResponseData): Promise<UpstreamError> {
  const text = await res.body.text().catch(() => "");
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
  } catch {
    // Not JSON: keep the (truncated) text.
  }
  const status = res.statusCode;
  const loading = status === 503 && /loading/i.test(message);
  // 4xx are the request's fault by status alone (see UpstreamError.requestCaused); some 500s by their message.
  const inputRejected = status === 500 && INPUT_REJECTED.test(message);
  const unsupported = (status === 500 || status === 501) && UNSUPPORTED.test(message);
  return new UpstreamError(loading ? "loading" : "status", `backend answered ${status}: ${message}`, {
    status,
    tokens: 0,
    ...(inputRejected ? { requestCaused: true } : {}),
    ...(unsupported ? { unsupported: true } : {}),
  });
}

/**
 * What a failed call was, for failover and the breaker: the watchdog's timeout, the caller's
 * abort, or a socket failure before the answer began (connect) or during it (stream).
 */
export function toUpstreamError(err: unknown, state: StreamState, signal: AbortSignal, responded: boolean): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const progress = { tokens: state.tokens, usage: state.usage };
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof TimeoutAbort) return new UpstreamError("timeout", reason.message, { ...progress, timeout: reason.phase });
    return new UpstreamError("cancelled", "request cancelled", { ...progress, reason });
  }
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  // Before any response byte (and after the stale retry), a socket failure means the backend is unreachable.
  return new UpstreamError(responded ? "stream" : "connect", `backend connection failed: ${code || message}`, progress);
}

export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}
