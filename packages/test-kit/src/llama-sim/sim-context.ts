import { DEFAULT_N_CTX, DEFAULT_NATURAL_TOKENS } from "./sim-completion.ts";
import { SlotPool } from "./slot-pool.ts";
import type { LlamaSimOptions, LlamaSimStats, RequestEndEvent } from "./types.ts";

export type SimConfig = Required<Omit<LlamaSimOptions, "apiKey">> & { apiKey: string | undefined };

export function resolveConfig(options: LlamaSimOptions): SimConfig {
  return {
    port: options.port ?? 0,
    host: options.host ?? "127.0.0.1",
    slots: Math.max(1, options.slots ?? 4),
    nCtx: options.nCtx ?? DEFAULT_N_CTX,
    modelId: options.modelId ?? "/models/stories260K.gguf",
    loadingMs: options.loadingMs ?? 0,
    ttftMs: options.ttftMs ?? 0,
    interTokenMs: options.interTokenMs ?? 0,
    naturalTokens: options.naturalTokens ?? DEFAULT_NATURAL_TOKENS,
    embeddingsOnly: options.embeddingsOnly ?? false,
    apiKey: options.apiKey,
    usageMode: options.usageMode ?? "final-chunk",
    toolsMode: options.toolsMode ?? "streamed",
    jinja: options.jinja ?? true,
    vision: options.vision ?? false,
    reranking: options.reranking ?? false,
    buildInfo: options.buildInfo ?? (options.toolsMode === "legacy" ? "b4748-c392e5094" : "b0-unknown"),
    metrics: options.metrics ?? true,
  };
}

/** Faults waiting for the next generation requests. */
export interface PendingFaults {
  failNext: number;
  failStatus: number;
  hangNext: number;
  /** Tokens after which the next stream is cut; -1 when none is pending. */
  cutAfter: number;
  cutMode: "error-line" | "close";
  /** `Date.now()` until which every endpoint answers 503 "Loading model". */
  loadingUntil: number;
}

export function noFaults(): PendingFaults {
  return { failNext: 0, failStatus: 500, hangNext: 0, cutAfter: -1, cutMode: "error-line", loadingUntil: 0 };
}

/** Counters behind `/metrics` that LlamaSimStats does not carry; a restarted server starts them from 0. */
export interface SimTotals {
  promptTokens: number;
  promptMs: number;
  predictedTokens: number;
  predictedMs: number;
  decodes: number;
}

export const zeroTotals = (): SimTotals => ({ promptTokens: 0, promptMs: 0, predictedTokens: 0, predictedMs: 0, decodes: 0 });

export interface SimContext {
  readonly config: SimConfig;
  readonly stats: LlamaSimStats;
  readonly totals: SimTotals;
  readonly pool: SlotPool;
  faults: PendingFaults;
  readonly endListeners: Set<(event: RequestEndEvent) => void>;
  /** The piece each token id last stood for in a /tokenize request, so /detokenize gives the text back. */
  readonly learnedPieces: Map<number, string>;
}

export function createContext(config: SimConfig): SimContext {
  const stats: LlamaSimStats = {
    requests: 0,
    generations: 0,
    processing: 0,
    maxProcessing: 0,
    deferred: 0,
    aborted: 0,
    completed: 0,
    faulted: 0,
  };
  return {
    config,
    stats,
    totals: zeroTotals(),
    pool: new SlotPool(config.slots, stats),
    faults: noFaults(),
    endListeners: new Set(),
    learnedPieces: new Map(),
  };
}
