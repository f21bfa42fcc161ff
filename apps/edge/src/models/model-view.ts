import type {
  BackendMeta,
  BackendSnapshot,
  BreakerState,
  ModelBackend,
  ModelCapabilities,
  ModelCapability,
  ModelConfig,
  ModelDetail,
  ModelDetails,
  ModelObject,
  ModelStatus,
  WorkerRegistry,
} from "@gateway/contracts";

/** One backend as all live workers together see it. */
export interface MergedBackend {
  snapshot: BackendSnapshot;
  /** The worst breaker state among the workers (one worker's open breaker is news). */
  breaker: BreakerState;
}

const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Merges the workers' snapshots per backend: state, slots and facts from the freshest probe,
 * the breaker from the most alarmed worker, and model facts from whoever read them.
 */
export function mergeBackends(snapshots: readonly WorkerRegistry[]): Map<string, MergedBackend> {
  const merged = new Map<string, MergedBackend>();
  for (const worker of snapshots) {
    for (const b of worker.backends) {
      const seen = merged.get(b.url);
      if (!seen) {
        merged.set(b.url, { snapshot: b, breaker: b.breaker });
        continue;
      }
      const fresher = b.probed_at > seen.snapshot.probed_at;
      const meta =
        Object.keys(b.meta).length > 0 && (fresher || Object.keys(seen.snapshot.meta).length === 0) ? b.meta : seen.snapshot.meta;
      merged.set(b.url, {
        snapshot: { ...(fresher ? b : seen.snapshot), meta },
        breaker: SEVERITY[b.breaker] > SEVERITY[seen.breaker] ? b.breaker : seen.breaker,
      });
    }
  }
  return merged;
}

const serves = (b: MergedBackend | undefined) => b?.snapshot.state === "ready" && b.breaker === "closed";

interface PoolEntry {
  url: string;
  capability: ModelCapability;
  index: number;
}

function entries(model: ModelConfig): PoolEntry[] {
  return [
    ...model.backends.map((url, index) => ({ url, capability: "chat" as const, index })),
    ...model.embedding_backends.map((url, index) => ({ url, capability: "embeddings" as const, index })),
    ...model.rerank_backends.map((url, index) => ({ url, capability: "rerank" as const, index })),
  ];
}

/** Slots the model's ready backends offer to its chat pool (or its embeddings or rerank pool if it has no chat). */
export function readySlots(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): number {
  const pool = [model.backends, model.embedding_backends, model.rerank_backends].find((p) => p.length > 0) ?? [];
  return pool.reduce((n, url) => n + (serves(merged.get(url)) ? (merged.get(url)?.snapshot.slots ?? 0) : 0), 0);
}

function status(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): { status: ModelStatus; ready: number } {
  const urls = [...new Set([...model.backends, ...model.embedding_backends, ...model.rerank_backends])];
  const ready = urls.filter((u) => serves(merged.get(u))).length;
  const loading = urls.some((u) => merged.get(u)?.snapshot.state === "loading");
  if (ready > 0) return { status: ready === urls.length ? "ready" : "degraded", ready };
  return { status: loading ? "loading" : "down", ready };
}

const metaOf = (url: string, merged: ReadonlyMap<string, MergedBackend>): BackendMeta | undefined => {
  const meta = merged.get(url)?.snapshot.meta;
  return meta && Object.keys(meta).length > 0 ? meta : undefined;
};

/** The backends' figures where they report them (the freshest probe of each), the configuration's `details` for the rest. */
function details(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): ModelDetails {
  const metas = entries(model).flatMap((e) => metaOf(e.url, merged) ?? []);
  const first = <K extends keyof BackendMeta>(key: K) => metas.find((m) => m[key] !== undefined)?.[key];
  const contexts = metas.map((m) => m.n_ctx).filter((n): n is number => n !== undefined);
  const embeddings = model.embedding_backends.flatMap((url) => metaOf(url, merged)?.n_embd ?? []);
  const configured = model.details;
  return {
    // llama-server reports neither: the file-name guess gives way to what the operator wrote.
    architecture: configured.architecture ?? first("architecture") ?? null,
    quantization: configured.quantization ?? first("quantization") ?? null,
    parameters: first("n_params") ?? configured.parameters ?? null,
    context_length: model.context_length ?? (contexts.length > 0 ? Math.min(...contexts) : null),
    training_context_length: first("n_ctx_train") ?? null,
    embedding_dim: embeddings[0] ?? first("n_embd") ?? null,
    vocab_size: first("n_vocab") ?? null,
    file_size: first("size") ?? null,
    n_layer: configured.n_layer ?? null,
    n_head: configured.n_head ?? null,
    n_head_kv: configured.n_head_kv ?? null,
  };
}

/**
 * What a client may ask the model for. Vision: the configuration says so, else a chat backend
 * reported a vision projector in /props (newer builds); function calling unless the
 * configuration says its backends cannot (no --jinja); structured output wherever there is chat,
 * as llama.cpp enforces any schema with a grammar.
 */
export function capabilities(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): ModelCapabilities {
  const chat = model.backends.length > 0;
  const vision = model.vision ?? model.backends.some((url) => metaOf(url, merged)?.vision === true);
  return {
    chat,
    completion: chat,
    embeddings: model.embedding_backends.length > 0,
    rerank: model.rerank_backends.length > 0,
    function_calling: chat && model.function_calling,
    vision: chat && vision,
    json_schema: chat,
  };
}

/** The OpenAI model object with the gateway's fields, from the configuration and the live registry. */
export function modelObject(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>, created: number): ModelObject {
  const s = status(model, merged);
  return {
    id: model.id,
    object: "model",
    created,
    owned_by: "llamacpp",
    aliases: model.aliases,
    capabilities: capabilities(model, merged),
    status: s.status,
    ready_backends: s.ready,
    details: details(model, merged),
  };
}

/** The model object plus each backend's state and breaker, named by pool and position, not URL. */
export function modelDetail(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>, created: number): ModelDetail {
  const backends: ModelBackend[] = entries(model).map(({ url, capability, index }) => {
    const b = merged.get(url);
    return {
      id: `${capability}-${index}`,
      capability,
      state: b?.snapshot.state ?? "unknown",
      breaker: b?.breaker ?? null,
      slots: b ? b.snapshot.slots : null,
      busy_slots: b ? (b.snapshot.busy ?? b.snapshot.leased) : null,
    };
  });
  return { ...modelObject(model, merged, created), backends };
}
