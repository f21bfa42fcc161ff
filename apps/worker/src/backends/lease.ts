/** Which of a model's pools a request runs on: a server started with --embeddings (or --reranking) may serve nothing else. */
export type Capability = "chat" | "embeddings" | "rerank";

/** A slot held on one backend until `release` (safe to call more than once). */
export interface Lease {
  readonly backend: string;
  release(): void;
}

/** One attempt at a slot: a lease, null when no backend can take the request, "busy" when all that can are full. */
export type TakeResult = Lease | null | "busy";
