import { Pool, type Dispatcher } from "undici";
import type { BackendTimeouts } from "./env.ts";
import { newStreamState, readChatStream, type StreamState } from "./read-chat-stream.ts";
import { TimeoutAbort, UpstreamError } from "./upstream-error.ts";
import { StreamWatchdog } from "./stream-watchdog.ts";

export type HealthState = "ready" | "loading" | "down";

export interface LlamaClientOptions {
  backends: readonly string[];
  timeouts: BackendTimeouts;
  probeTimeoutMs: number;
  tokenizeTimeoutMs: number;
  /** Called when a request is re-sent because its pooled connection had gone stale. */
  onStaleRetry?: (backend: string) => void;
}

export interface ChatStreamOptions {
  signal: AbortSignal;
  onContent: (text: string) => void;
  onFirstToken?: () => void;
}

/** Socket errors that mean "the server closed this keep-alive connection", not "the server is gone". */
const STALE_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * All HTTP to llama-server goes through here: one keep-alive undici Pool per backend, created
 * once; every chat request is streamed upstream so tokens are counted even when it fails and a
 * cancel really frees the slot.
 */
export class LlamaClient {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: LlamaClientOptions) {
    for (const url of options.backends) {
      this.pools.set(
        url,
        new Pool(url, {
          connect: { timeout: options.timeouts.connectMs },
          // llama-server drops idle connections after 5 s: give ours up well before that.
          keepAliveTimeout: 4_000,
          keepAliveMaxTimeout: 4_000,
          keepAliveTimeoutThreshold: 1_000,
        }),
      );
    }
  }

  async streamChat(backend: string, body: object, options: ChatStreamOptions): Promise<StreamState> {
    const state = newStreamState();
    const abort = new AbortController();
    const onCancel = () => abort.abort(options.signal.reason);
    options.signal.addEventListener("abort", onCancel, { once: true });
    if (options.signal.aborted) onCancel();
    const watchdog = new StreamWatchdog(this.options.timeouts, (phase) => abort.abort(new TimeoutAbort(phase)));
    let responded = false;
    const onContent = (text: string) => {
      if (!watchdog.started) {
        watchdog.firstToken();
        options.onFirstToken?.();
      }
      options.onContent(text);
    };
    try {
      const res = await this.send(backend, { method: "POST", path: "/v1/chat/completions", body: JSON.stringify(body) }, abort.signal);
      responded = true;
      if (res.statusCode !== 200) throw await statusError(res);
      return await readChatStream(res.body, state, onContent, () => watchdog.progress());
    } catch (err) {
      throw toUpstreamError(err, state, abort.signal, responded);
    } finally {
      watchdog.stop();
      options.signal.removeEventListener("abort", onCancel);
    }
  }

  async health(backend: string): Promise<HealthState> {
    try {
      const res = await this.send(backend, { method: "GET", path: "/health" }, AbortSignal.timeout(this.options.probeTimeoutMs));
      if (res.statusCode === 200) {
        await res.body.dump();
        return "ready";
      }
      // 503 "Loading model" is a backend starting up: not ready, and not a failure either.
      const text = await res.body.text();
      return res.statusCode === 503 && /loading/i.test(text) ? "loading" : "down";
    } catch {
      return "down";
    }
  }

  /** Parallel slots: `/slots` length, else `/props` total_slots (old builds need --slots), else 1. */
  async slotCount(backend: string): Promise<number> {
    const slots = await this.getJson(backend, "/slots");
    if (Array.isArray(slots) && slots.length > 0) return slots.length;
    const props = (await this.getJson(backend, "/props")) as { total_slots?: unknown } | undefined;
    const total = props?.total_slots;
    return typeof total === "number" && Number.isInteger(total) && total > 0 ? total : 1;
  }

  /** Exact token count of `content` for the backend's vocabulary, or undefined if it does not answer in time. */
  async tokenize(backend: string, content: string): Promise<number | undefined> {
    try {
      const signal = AbortSignal.timeout(this.options.tokenizeTimeoutMs);
      const res = await this.send(backend, { method: "POST", path: "/tokenize", body: JSON.stringify({ content }) }, signal);
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      const json = (await res.body.json()) as { tokens?: unknown };
      return Array.isArray(json.tokens) ? json.tokens.length : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.destroy()));
  }

  private async getJson(backend: string, path: string): Promise<unknown> {
    try {
      const res = await this.send(backend, { method: "GET", path }, AbortSignal.timeout(this.options.probeTimeoutMs));
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      return await res.body.json();
    } catch {
      return undefined;
    }
  }

  /** Sends once more, on the same backend, when a pooled connection turns out closed before any response byte. */
  private async send(backend: string, req: Omit<Dispatcher.RequestOptions, "origin">, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const pool = this.pools.get(backend);
    if (!pool) throw new Error(`unknown backend ${backend}`);
    const options = {
      ...req,
      headers: req.body ? { "content-type": "application/json" } : {},
      signal,
      // Our own watchdog and signals time requests; undici's timers would only race them.
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    try {
      return await pool.request(options);
    } catch (err) {
      if (signal.aborted || !STALE_CODES.has(codeOf(err))) throw err;
      this.options.onStaleRetry?.(backend);
      return await pool.request(options);
    }
  }
}

async function statusError(res: Dispatcher.ResponseData): Promise<UpstreamError> {
  const text = await res.body.text().catch(() => "");
  let message = text.slice(0, 200);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
  } catch {
    // Not JSON: keep the (truncated) text.
  }
  const loading = res.statusCode === 503 && /loading/i.test(message);
  return new UpstreamError(loading ? "loading" : "status", `backend answered ${res.statusCode}: ${message}`, {
    status: res.statusCode,
    tokens: 0,
  });
}

function toUpstreamError(err: unknown, state: StreamState, signal: AbortSignal, responded: boolean): UpstreamError {
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

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}
