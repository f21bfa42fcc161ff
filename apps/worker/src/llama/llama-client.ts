import type { BackendMeta } from "@gateway/contracts";
import { Pool, type Dispatcher } from "undici";
import type { BackendTimeouts } from "./backend-timeouts.ts";
import type { OnPiece } from "./answer-piece.ts";
import { readBackendMeta, readSlots, type SlotsInfo } from "./read-backend-meta.ts";
import { readChatAnswer } from "./read-chat-answer.ts";
import { newStreamState, readChatStream, type StreamState } from "./read-chat-stream.ts";
import { readTokenCounters, type TokenCounters } from "./read-token-counters.ts";
import { StreamWatchdog } from "./stream-watchdog.ts";
import { codeOf, statusError, toUpstreamError } from "./to-upstream-error.ts";
import { readEmbeddingsAnswer, readRerankAnswer, type EmbeddingsAnswer, type RerankAnswer } from "./read-json-answers.ts";
import { TimeoutAbort } from "./upstream-error.ts";

export type HealthState = "ready" | "loading" | "down";

export interface LlamaClientOptions {
  backends: readonly string[];
  timeouts: BackendTimeouts;
  probeTimeoutMs: number;
  tokenizeTimeoutMs: number;
  /** Called when a request is re-sent because its pooled connection had gone stale. */
  onStaleRetry?: (backend: string) => void;
}

/** An abort destroys the socket at once; still running after this long, the slot was not freed. */
export const UNCANCELLED_AFTER_MS = 1_000;

export interface ChatStreamOptions {
  signal: AbortSignal;
  onContent: OnPiece;
  onFirstToken?: () => void;
  /** Called when an aborted generation is still running UNCANCELLED_AFTER_MS later. */
  onUncancelled?: () => void;
}

/** Socket errors that mean "the server closed this keep-alive connection", not "the server is gone". */
const STALE_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

/**
 * All HTTP to llama-server goes through here: one keep-alive undici Pool per backend, created
 * once; every chat request is streamed upstream where the build allows it, so tokens are counted
 * even when it fails and a cancel really frees the slot.
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

  /** A streamed `POST /v1/chat/completions`: each piece to `options.onContent` as it comes. */
  streamChat(backend: string, body: object, options: ChatStreamOptions): Promise<StreamState> {
    return this.generate(backend, "/v1/chat/completions", body, options, false);
  }

  /** A non-stream chat (`stream: false` in `body`), its answer told as a stream's pieces when it comes (see readChatAnswer). */
  chatWhole(backend: string, body: object, options: ChatStreamOptions): Promise<StreamState> {
    return this.generate(backend, "/v1/chat/completions", body, options, true);
  }

  /** A streamed `POST /v1/completions` (one prompt): its text pieces as they come. */
  streamCompletion(backend: string, body: object, options: ChatStreamOptions): Promise<StreamState> {
    return this.generate(backend, "/v1/completions", body, options, false);
  }

  /**
   * One `/v1/embeddings` call. Timed like a generation's prompt phase: the first-token timer
   * bounds the whole answer, which comes in one piece.
   */
  async embeddings(backend: string, body: object, signal: AbortSignal): Promise<EmbeddingsAnswer> {
    return readEmbeddingsAnswer(await this.postJson(backend, "/v1/embeddings", body, signal));
  }

  /** One `/v1/rerank` call, timed as embeddings are. */
  async rerank(backend: string, body: object, signal: AbortSignal): Promise<RerankAnswer> {
    return readRerankAnswer(await this.postJson(backend, "/v1/rerank", body, signal));
  }

  private async generate(backend: string, path: string, body: object, options: ChatStreamOptions, whole: boolean): Promise<StreamState> {
    const state = newStreamState();
    const abort = new AbortController();
    let stuck: NodeJS.Timeout | undefined;
    const onCancel = () => {
      abort.abort(options.signal.reason);
      stuck = setTimeout(() => options.onUncancelled?.(), UNCANCELLED_AFTER_MS);
    };
    options.signal.addEventListener("abort", onCancel, { once: true });
    if (options.signal.aborted) onCancel();
    const watchdog = new StreamWatchdog(this.options.timeouts, (phase) => abort.abort(new TimeoutAbort(phase)));
    if (whole) watchdog.untilWholeAnswer();
    let responded = false;
    const onContent: OnPiece = (text, extra) => {
      if (!watchdog.started) {
        watchdog.firstToken();
        options.onFirstToken?.();
      }
      options.onContent(text, extra);
    };
    try {
      const res = await this.send(backend, { method: "POST", path, body: JSON.stringify(body) }, abort.signal);
      responded = true;
      if (res.statusCode !== 200) throw await statusError(res);
      if (whole) return readChatAnswer(await res.body.json(), state, onContent);
      return await readChatStream(res.body, state, onContent, () => watchdog.progress());
    } catch (err) {
      throw toUpstreamError(err, state, abort.signal, responded);
    } finally {
      clearTimeout(stuck);
      watchdog.stop();
      options.signal.removeEventListener("abort", onCancel);
    }
  }

  /** A JSON POST whose answer comes in one piece, bounded by the first-token timer. */
  private async postJson(backend: string, path: string, body: object, signal: AbortSignal): Promise<unknown> {
    const abort = new AbortController();
    const onCancel = () => abort.abort(signal.reason);
    signal.addEventListener("abort", onCancel, { once: true });
    if (signal.aborted) onCancel();
    const watchdog = new StreamWatchdog(this.options.timeouts, (phase) => abort.abort(new TimeoutAbort(phase)));
    let responded = false;
    try {
      const res = await this.send(backend, { method: "POST", path, body: JSON.stringify(body) }, abort.signal);
      responded = true;
      if (res.statusCode !== 200) throw await statusError(res);
      return await res.body.json();
    } catch (err) {
      throw toUpstreamError(err, newStreamState(), abort.signal, responded);
    } finally {
      watchdog.stop();
      signal.removeEventListener("abort", onCancel);
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

  /** Capacity and busy slots from `/slots`; undefined on old builds started without --slots (501). */
  async slots(backend: string): Promise<SlotsInfo | undefined> {
    return readSlots(await this.getJson(backend, "/slots"));
  }

  /** Parallel slots for a build without `/slots` (started without --slots): `/props` total_slots, else 1. */
  async propsSlotCount(backend: string): Promise<number> {
    const props = (await this.getJson(backend, "/props")) as { total_slots?: unknown } | undefined;
    const total = props?.total_slots;
    return typeof total === "number" && Number.isInteger(total) && total > 0 ? total : 1;
  }

  /** The model's facts from `/props` and `/v1/models`; fields neither reports are left out. */
  async describe(backend: string): Promise<BackendMeta> {
    const [props, models] = await Promise.all([this.getJson(backend, "/props"), this.getJson(backend, "/v1/models")]);
    return readBackendMeta(props, models);
  }

  /**
   * The backend's own token counters from `/metrics`, or undefined when it has none to give: 501
   * (started without --metrics), another status, no answer within the probe timeout. Never a
   * failure of the backend: it says nothing about its health.
   */
  async tokenCounters(backend: string): Promise<TokenCounters | undefined> {
    try {
      const res = await this.send(backend, { method: "GET", path: "/metrics" }, AbortSignal.timeout(this.options.probeTimeoutMs));
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      return readTokenCounters(await res.body.text());
    } catch {
      return undefined;
    }
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

  /** The text of token ids (`POST /detokenize`), or undefined if the backend does not answer in time. */
  async detokenize(backend: string, tokens: readonly number[]): Promise<string | undefined> {
    try {
      const signal = AbortSignal.timeout(this.options.tokenizeTimeoutMs);
      const res = await this.send(backend, { method: "POST", path: "/detokenize", body: JSON.stringify({ tokens }) }, signal);
      if (res.statusCode !== 200) {
        await res.body.dump();
        return undefined;
      }
      const json = (await res.body.json()) as { content?: unknown };
      return typeof json.content === "string" ? json.content : undefined;
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
  private async send(
    backend: string,
    req: Omit<Dispatcher.RequestOptions, "origin">,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
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
