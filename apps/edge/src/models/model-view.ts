import type {
  BackendMeta,
  BackendSnapshot,
  BreakerState,
  ModelBackend,
  ModelCapability,
  ModelConfig,
  ModelDetail,
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
  ];
}

/** Slots the model's ready backends offer to its chat pool (or embeddings pool if it has no chat). */
export function readySlots(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): number {
  const pool = model.backends.length > 0 ? model.backends : model.embedding_backends;
  return pool.reduce((n, url) => n + (serves(merged.get(url)) ? (merged.get(url)?.snapshot.slots ?? 0) : 0), 0);
}

function status(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>): { status: ModelStatus; ready: number } {
  const urls = [...new Set([...model.backends, ...model.embedding_backends])];
  const ready = urls.filter((u) => serves(merged.get(u))).length;
  const loading = urls.some((u) => merged.get(u)?.snapshot.state === "loading");
  if (ready > 0) return { status: ready === urls.length ? "ready" : "degraded", ready };
  return { status: loading ? "loading" : "down", ready };
}

function facts(model: ModelConfig, merged: ReadonlyMap<string, MergedBackend>) {
  const metas: BackendMeta[] = entries(model).flatMap((e) => {
    const m = merged.get(e.url)?.snapshot.meta;
    return m && Object.keys(m).length > 0 ? [m] : [];
  });
  const first = <K extends keyof BackendMeta>(key: K) => metas.find((m) => m[key] !== undefined)?.[key];
  const contexts = metas.map((m) => m.n_ctx).filter((n): n is number => n !== undefined);
  return {
    context_length: model.context_length ?? (contexts.length > 0 ? Math.min(...contexts) : null),
    parameters: first("n_params") ?? null,
    size: first("size") ?? null,
    architecture: first("architecture") ?? null,
    quantization: first("quantization") ?? null,
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
    capabilities: [
      ...(model.backends.length > 0 ? ["chat" as const] : []),
      ...(model.embedding_backends.length > 0 ? ["embeddings" as const] : []),
    ],
    status: s.status,
    ready_backends: s.ready,
    ...facts(model, merged),
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
