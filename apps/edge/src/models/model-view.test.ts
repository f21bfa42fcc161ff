import { ModelConfig, type BackendSnapshot } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { capabilities, modelDetail, type MergedBackend } from "./model-view.ts";

const snapshot = (url: string, meta: BackendSnapshot["meta"]): MergedBackend => ({
  snapshot: { url, state: "ready", breaker: "closed", slots: 2, busy: 0, leased: 0, probed_at: 1, meta },
  breaker: "closed",
});

describe("model capabilities and details", () => {
  it("when a chat backend reports vision in /props, then the model sees; the configuration can say so, or say it cannot call tools", () => {
    const model = ModelConfig.parse({ id: "m", backends: ["http://a:1"] });
    const merged = new Map([["http://a:1", snapshot("http://a:1", { vision: true })]]);
    expect(capabilities(model, merged)).toEqual({
      chat: true,
      completion: true,
      embeddings: false,
      rerank: false,
      function_calling: true,
      vision: true,
      json_schema: true,
    });
    expect(capabilities(ModelConfig.parse({ id: "m", backends: ["http://a:1"], vision: false }), merged).vision).toBe(false);
    const noJinja = ModelConfig.parse({ id: "m", backends: ["http://b:1"], function_calling: false, vision: true });
    expect(capabilities(noJinja, new Map())).toMatchObject({ function_calling: false, vision: true });
  });

  it("when a model has only embeddings and rerank pools, then it offers those and no chat, completion, tools or JSON", () => {
    const model = ModelConfig.parse({ id: "e", embedding_backends: ["http://e:1"], rerank_backends: ["http://r:1"] });
    expect(capabilities(model, new Map())).toEqual({
      chat: false,
      completion: false,
      embeddings: true,
      rerank: true,
      function_calling: false,
      vision: false,
      json_schema: false,
    });
    expect(modelDetail(model, new Map(), 0).backends.map((b) => b.id)).toEqual(["embeddings-0", "rerank-0"]);
  });

  it("when backends report their figures and the configuration the rest, then details hold both; the backends' figures win", () => {
    const model = ModelConfig.parse({
      id: "m",
      backends: ["http://a:1"],
      embedding_backends: ["http://e:1"],
      details: { architecture: "llama", parameters: 1, n_layer: 32, n_head: 32, n_head_kv: 8 },
    });
    const merged = new Map([
      [
        "http://a:1",
        snapshot("http://a:1", { n_ctx: 1024, n_ctx_train: 2048, n_params: 292800, size: 1171200, n_vocab: 512, quantization: "Q8_0" }),
      ],
      ["http://e:1", snapshot("http://e:1", { n_embd: 64 })],
    ]);
    expect(modelDetail(model, merged, 0).details).toEqual({
      architecture: "llama",
      parameters: 292800,
      context_length: 1024,
      training_context_length: 2048,
      embedding_dim: 64,
      vocab_size: 512,
      quantization: "Q8_0",
      file_size: 1171200,
      n_layer: 32,
      n_head: 32,
      n_head_kv: 8,
    });
  });
});
