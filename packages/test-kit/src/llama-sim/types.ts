/**
 * The llama-server simulator's public surface. It speaks llama-server's real HTTP API (see
 * ../shared/llama-server.md), quirks included, with knobs for speed and fault injection.
 */
export interface LlamaSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Parallel generation slots (`-np`); requests beyond them wait inside the server. Default 4. */
  slots?: number;
  /** Context per slot (`n_ctx`); longer prompts are silently truncated, as the real server does. Default 2048. */
  nCtx?: number;
  /** The id `/v1/models` reports. Default "/models/stories260K.gguf" (the real one reports the path). */
  modelId?: string;
  /** `/health` answers 503 "Loading model" for this long after start. Default 0. */
  loadingMs?: number;
  /** Delay before the first token, and between tokens. Default 0 and 0. */
  ttftMs?: number;
  interTokenMs?: number;
  /** Tokens the "model" wants to say before its end-of-sequence; max_tokens may cut it shorter. Default 16. */
  naturalTokens?: number;
  /** Like `--embeddings` on the old build: chat answers 501, only embeddings work. */
  embeddingsOnly?: boolean;
  /** Like `--api-key`: everything but /health and /v1/models needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /**
   * "final-chunk" (build b4747): usage always rides on the finish_reason chunk.
   * "separate-chunk" (newer builds): usage only with stream_options.include_usage, as its own
   * chunk with `choices: []`. Default "final-chunk".
   */
  usageMode?: "final-chunk" | "separate-chunk";
  /**
   * Which build's handling of tools and the rest of the newer request surface to copy (CLI
   * `--tools-mode`). "streamed" (newer builds, default; read from llama.cpp's newer source, as no
   * newer build could be run here): tool calls stream as OpenAI `delta.tool_calls` with random
   * 32-character ids, a function's `description` is optional, `max_completion_tokens` bounds
   * generation, response_format json_schema is enforced, OpenAI's object form of logit_bias works,
   * `echo: false` is accepted, /v1/rerank sorts by score and honours top_n, /props reports
   * `modalities`, a few refusals are 400s. "legacy" (build b4748, as measured in OBSERVED.md):
   * `tools` with `stream` is a 500 "Cannot use tools with stream", a function without `description`
   * a 500 "Failed to parse tools: ...", the model writes the Generic format's `{"tool_call":...}`
   * wrapper (raw text when cut, counted in usage), tool call ids are "", `max_completion_tokens`,
   * response_format json_schema and logit_bias objects are ignored, `echo` is refused even when
   * false, rerank keeps document order and ignores top_n, messages errors quote the messages.
   */
  toolsMode?: "streamed" | "legacy";
  /** false is a server started without `--jinja` (CLI `--no-jinja`): requests with tools (or a tool_choice) are 500s. Default true. */
  jinja?: boolean;
  /**
   * Like a model loaded with a vision projector (`--mmproj`): image_url parts (data URLs) are
   * accepted, each counting SIM_IMAGE_TOKENS prompt tokens, and /props says `modalities.vision`.
   * Without it an image part is a 500, as on the real server. CLI `--vision`.
   */
  vision?: boolean;
  /** Like `--reranking` with a reranking model (CLI `--reranking`): /v1/rerank answers; without it, 501. */
  reranking?: boolean;
  /**
   * `/props` build_info and the finish chunks' system_fingerprint (CLI `--build-info`). Default
   * "b4748-c392e5094" with toolsMode "legacy" (the measured build, OBSERVED.md), else "b0-unknown",
   * what a build without git metadata says (and what says nothing about its abilities).
   */
  buildInfo?: string;
  /**
   * false is a server started without `--metrics` (CLI `--no-metrics`): /metrics answers 501.
   * Default true. Its counters mean what the real server's do: `llamacpp:prompt_tokens_total`
   * gains a generation's prompt tokens when its first token is sampled (never an embeddings or
   * rerank input; the simulator caches no prompt prefix, so it is every prompt token, where the
   * real server counts only those it had to process), `llamacpp:tokens_predicted_total` a
   * generation's tokens when it ends by itself (not when cancelled or failed); both start from 0
   * again after `faults.revive()`.
   */
  metrics?: boolean;
}

export interface LlamaSimStats {
  /** HTTP requests received, any endpoint. */
  requests: number;
  /** Generation requests (chat, completions, embeddings, rerank) received. */
  generations: number;
  /** Generation requests being processed in a slot right now, and the most ever at once. */
  processing: number;
  maxProcessing: number;
  /** Generation requests waiting for a free slot right now (`requests_deferred`). */
  deferred: number;
  /** Generations that ended because the client went away before they finished. */
  aborted: number;
  /** Generations that ran to their end. */
  completed: number;
  /** Generation requests answered by an injected fault (failNext, cutStreamAfter) instead. */
  faulted: number;
}

export interface RequestEndEvent {
  /** The endpoint's canonical path, whichever alias was asked (`/completion` is llama's own format). */
  endpoint: "/v1/chat/completions" | "/v1/completions" | "/completion" | "/v1/embeddings" | "/v1/rerank";
  aborted: boolean;
  /** Tokens generated before the end. */
  tokens: number;
  /** ms from the request arriving to its end. */
  durationMs: number;
  /** The n_predict/max_completion_tokens/max_tokens the request carried; null when absent or ill-typed (unlimited on the real server). */
  maxTokens: number | null;
}

export interface LlamaSimFaults {
  /** The next `n` generation requests answer `status` (default 500) with a llama-style error body. */
  failNext(n: number, status?: number): void;
  /** The next `n` generation requests never answer (until the client goes away). */
  hangNext(n: number): void;
  /**
   * The next streamed generation stops after `tokens` tokens: "error-line" writes llama-server's
   * non-standard `error: {...}` line and then `data: [DONE]`; "close" destroys the socket.
   */
  cutStreamAfter(tokens: number, mode?: "error-line" | "close"): void;
  /** Stop listening and destroy every open socket, like a crashed process. */
  die(): Promise<void>;
  /** Listen again on the same port, like a restarted process (loading first if `loadingMs`; /metrics counters from 0). */
  revive(): Promise<void>;
  /** Answer "Loading model" for the next `ms` milliseconds. */
  setLoading(ms: number): void;
  /** Clear every pending fault. */
  reset(): void;
}

export interface LlamaSim {
  readonly url: string;
  readonly port: number;
  readonly stats: LlamaSimStats;
  readonly faults: LlamaSimFaults;
  /** Called when each generation request ends, completed or aborted. */
  onRequestEnd(listener: (event: RequestEndEvent) => void): () => void;
  close(): Promise<void>;
}
