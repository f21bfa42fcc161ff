import { describe, expect, it } from "vitest";
import { fileFacts, readBackendMeta, readSlots } from "./read-backend-meta.ts";

describe("fileFacts", () => {
  it("when a file is named after its family and quantization, then both are read", () => {
    expect(fileFacts("/models/Qwen2.5-7B-Instruct-Q4_K_M.gguf")).toEqual({ architecture: "qwen2", quantization: "Q4_K_M" });
    expect(fileFacts("Meta-Llama-3-8B-Instruct.Q8_0.gguf")).toEqual({ architecture: "llama", quantization: "Q8_0" });
    expect(fileFacts("nomic-embed-text-v1.5.f16.gguf")).toEqual({ architecture: "nomic", quantization: "F16" });
    expect(fileFacts("mistral-7b-instruct-v0.2.IQ2_XS.gguf")).toEqual({ architecture: "mistral", quantization: "IQ2_XS" });
  });

  it("when the name says nothing, then nothing is guessed", () => {
    expect(fileFacts("/models/stories260K.gguf")).toEqual({});
    expect(fileFacts("tinyllama-chat.gguf")).toEqual({});
    expect(fileFacts(undefined)).toEqual({});
  });
});

describe("readBackendMeta", () => {
  it("when /props and /v1/models answer as build b4747 does, then context, size and parameters are known", () => {
    const props = {
      default_generation_settings: { n_ctx: 1024 },
      total_slots: 2,
      model_path: "/models/stories260K.gguf",
      chat_template: "",
    };
    const models = {
      object: "list",
      data: [{ id: "/models/stories260K.gguf", meta: { n_ctx_train: 2048, n_params: 292800, size: 1171200, n_vocab: 512, n_embd: 64 } }],
    };
    expect(readBackendMeta(props, models)).toEqual({
      n_ctx: 1024,
      n_ctx_train: 2048,
      n_params: 292800,
      size: 1171200,
      n_vocab: 512,
      n_embd: 64,
      model_path: "/models/stories260K.gguf",
      chat_template: false,
      developer_role: false,
    });
  });

  it("when /props tells the build, modalities and a template, then streamed tools, vision and the developer role follow", () => {
    const b4748 = { build_info: "b4748-c392e5094", chat_template: "{{ message.role }}" };
    expect(readBackendMeta(b4748, undefined)).toMatchObject({ build: "b4748-c392e5094", streamed_tools: false, developer_role: false });
    const newer = {
      build_info: "b6500-abcdef0",
      modalities: { vision: true, audio: false },
      chat_template: "{% if role == 'developer' %}",
    };
    const meta = readBackendMeta(newer, undefined);
    expect(meta).toMatchObject({ vision: true, developer_role: true });
    expect(meta.streamed_tools).toBeUndefined();
    // A build without git metadata says nothing about what it can do: it is tried and learned from.
    expect(readBackendMeta({ build_info: "b0-unknown" }, undefined).streamed_tools).toBeUndefined();
  });

  it("when neither answered, then the meta is empty rather than wrong", () => {
    expect(readBackendMeta(undefined, "nonsense")).toEqual({});
  });
});

describe("readSlots", () => {
  it("when two of three slots process, then capacity 3 and 2 busy", () => {
    const slot = (busy: boolean) => ({ n_ctx: 512, is_processing: busy });
    expect(readSlots([slot(true), slot(false), slot(true)])).toEqual({ count: 3, busy: 2, nCtx: 512 });
    expect(readSlots({ error: "not supported" })).toBeUndefined();
  });
});
