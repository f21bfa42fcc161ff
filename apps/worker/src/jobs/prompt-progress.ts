import type { EmbeddingsUsage, Usage } from "@gateway/contracts";

/**
 * What a job that only reads prompts (embeddings, rerank) has used so far: prompt tokens of the
 * batches answered, and a backend that answered (for the usage event). Batches that were
 * answered are billed even when the request fails.
 */
export class PromptProgress {
  tokens = 0;
  backend: string | undefined;

  answered(tokens: number, backend: string): void {
    this.tokens += tokens;
    this.backend ??= backend;
  }

  usage(): EmbeddingsUsage {
    return { prompt_tokens: this.tokens, total_tokens: this.tokens };
  }

  /** The usage to bill, nothing generated; undefined while no batch was answered. */
  billed(): { usage: Usage; backend: string } | undefined {
    return this.backend ? { usage: { ...this.usage(), completion_tokens: 0 }, backend: this.backend } : undefined;
  }
}
