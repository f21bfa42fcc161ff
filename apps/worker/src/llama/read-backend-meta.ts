import type { BackendMeta } from "@gateway/contracts";

const count = (x: unknown): number | undefined => (typeof x === "number" && Number.isInteger(x) && x >= 0 ? x : undefined);
const record = (x: unknown): Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : {};

/** GGUF quantization names as they appear in file names: Q4_K_M, Q8_0, IQ2_XS, F16, BF16, ... */
const QUANTIZATION = /^(?:i?q\d(?:_[0-9a-z]+)*|f16|f32|bf16)$/;
/** Architecture families model file names are named after; a more specific name comes first. */
const FAMILIES = [
  "mixtral",
  "mistral",
  "llama",
  "qwen3",
  "qwen2",
  "qwen",
  "gemma3",
  "gemma2",
  "gemma",
  "phi3",
  "phi",
  "falcon",
  "starcoder2",
  "starcoder",
  "gpt2",
  "bert",
  "nomic",
  "deepseek2",
  "deepseek",
  "olmo",
  "granite",
];

/**
 * What a model file's name says about it. llama-server reports neither the architecture nor the
 * quantization, but GGUF files are conventionally named after both (`Qwen2.5-7B-Instruct-Q4_K_M.gguf`).
 * A family matches a whole word, or a word followed by a version (`llama3`).
 */
export function fileFacts(path: string | undefined): Pick<BackendMeta, "architecture" | "quantization"> {
  const base = (path?.split(/[\\/]/).pop() ?? "").replace(/\.gguf$/i, "").toLowerCase();
  const words = base.split(/[-.\s]+/).filter(Boolean);
  // Quantization names contain "_" themselves, so they are matched on "-" and "." boundaries only.
  const quantization = words.find((w) => QUANTIZATION.test(w))?.toUpperCase();
  const tokens = words.flatMap((w) => w.split("_"));
  const architecture = FAMILIES.find((f) => tokens.some((t) => t === f || (t.startsWith(f) && /^\d/.test(t.slice(f.length)))));
  return { ...(quantization ? { quantization } : {}), ...(architecture ? { architecture } : {}) };
}

/** The newest build measured without streamed tool calls (OBSERVED.md); newer ones are tried and learned from. */
export const LAST_BUILD_WITHOUT_STREAMED_TOOLS = 4748;

/** What `/props` build_info ("b4748-c392e5094") says about streamed tool calls; "b0-unknown" (no git info) says nothing. */
export function streamedToolsOf(build: string | undefined): boolean | undefined {
  const number = Number(/^b(\d+)/.exec(build ?? "")?.[1] ?? 0);
  return number > 0 && number <= LAST_BUILD_WITHOUT_STREAMED_TOOLS ? false : undefined;
}

/**
 * The model facts of one backend from its `/props` and `/v1/models` answers (either may be
 * missing: old builds, `--api-key`). Context comes per slot: that is what one request gets.
 */
export function readBackendMeta(props: unknown, models: unknown): BackendMeta {
  const p = record(props);
  const settings = record(p.default_generation_settings);
  const listed = record((record(models).data as unknown[] | undefined)?.[0]);
  const meta = record(listed.meta);
  const modelPath = typeof p.model_path === "string" ? p.model_path : typeof listed.id === "string" ? listed.id : undefined;
  const build = typeof p.build_info === "string" ? p.build_info : undefined;
  const template = typeof p.chat_template === "string" ? p.chat_template : undefined;
  const modalities = record(p.modalities);
  const out: BackendMeta = {
    n_ctx: count(settings.n_ctx) ?? count(p.n_ctx),
    n_ctx_train: count(meta.n_ctx_train),
    n_params: count(meta.n_params),
    size: count(meta.size),
    n_vocab: count(meta.n_vocab),
    n_embd: count(meta.n_embd),
    model_path: modelPath,
    chat_template: template === undefined ? undefined : template.length > 0,
    build,
    vision: typeof modalities.vision === "boolean" ? modalities.vision : undefined,
    // A template that never names the role renders "developer" as a role the model has never seen.
    developer_role: template === undefined ? undefined : template.includes("developer"),
    streamed_tools: streamedToolsOf(build),
    ...fileFacts(modelPath),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as BackendMeta;
}

export interface SlotsInfo {
  count: number;
  busy: number;
  /** Context of one slot. */
  nCtx: number | undefined;
}

/** `/slots`: one entry per slot, `is_processing` when busy. */
export function readSlots(body: unknown): SlotsInfo | undefined {
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const slots = body.map(record);
  return { count: slots.length, busy: slots.filter((s) => s.is_processing === true).length, nCtx: count(slots[0]?.n_ctx) };
}
