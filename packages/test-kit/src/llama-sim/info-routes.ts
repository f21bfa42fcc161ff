import type { ServerResponse } from "node:http";
import { sendError, sendJson } from "./llama-response.ts";
import type { SimContext } from "./sim-context.ts";
import { SIM_N_EMBD } from "./sim-embedding.ts";
import { SIM_VOCAB } from "./sim-tokenize.ts";
import type { Slot } from "./slot-pool.ts";

/** stories260K's real figures. */
const MODEL_META = { vocab_type: 1, n_vocab: SIM_VOCAB, n_ctx_train: 2048, n_embd: SIM_N_EMBD, n_params: 292800, size: 1171200 };
const startedAt = Math.floor(Date.now() / 1000);

const rate = (tokens: number, ms: number): number => (ms > 0 ? (tokens * 1000) / ms : 0);

const IDLE: Slot = { id: 0, idTask: -1, nDecoded: 0, nPredict: -1, stream: false };

function slotJson(slot: Slot, nCtx: number) {
  const busy = slot.idTask !== -1;
  return {
    id: slot.id,
    id_task: slot.idTask,
    n_ctx: nCtx,
    speculative: false,
    is_processing: busy,
    params: {
      n_predict: slot.nPredict,
      seed: 4294967295,
      temperature: 0.8,
      top_k: 40,
      top_p: 0.95,
      min_p: 0.05,
      n_keep: 0,
      stream: slot.stream,
      stop: [],
    },
    prompt: "",
    next_token: {
      has_next_token: busy,
      has_new_line: false,
      n_remain: slot.nPredict < 0 ? -1 : slot.nPredict - slot.nDecoded,
      n_decoded: slot.nDecoded,
      stopping_word: "",
    },
  };
}

export function handleHealth(_ctx: SimContext, res: ServerResponse): void {
  sendJson(res, 200, '{"status":"ok"}');
}

export function handleSlots(ctx: SimContext, res: ServerResponse, query: string): void {
  if (ctx.pool.idle === 0 && new URLSearchParams(query).get("fail_on_no_slot") === "1") {
    sendError(res, 503, "no slot available");
    return;
  }
  sendJson(res, 200, JSON.stringify(ctx.pool.slots.map((slot) => slotJson(slot, ctx.config.nCtx))));
}

export function handleProps(ctx: SimContext, res: ServerResponse): void {
  const props = {
    default_generation_settings: slotJson(IDLE, ctx.config.nCtx),
    total_slots: ctx.config.slots,
    model_path: ctx.config.modelId,
    // stories260K has no template. b4748 reports the ChatML one it falls back to (OBSERVED.md); kept
    // empty here because the worker's tests read "" as "no template of its own" (see the report).
    chat_template: "",
    bos_token: "<s>",
    eos_token: "</s>",
    build_info: ctx.config.buildInfo,
    // Newer builds always say what the model takes in; b4748 had no such field (nor vision).
    ...(ctx.config.toolsMode !== "legacy" || ctx.config.vision ? { modalities: { vision: ctx.config.vision, audio: false } } : {}),
  };
  sendJson(res, 200, JSON.stringify(props));
}

export function handleModels(ctx: SimContext, res: ServerResponse): void {
  const model = { id: ctx.config.modelId, object: "model", created: startedAt, owned_by: "llamacpp", meta: MODEL_META };
  sendJson(res, 200, JSON.stringify({ object: "list", data: [model] }));
}

/** The series of build b4747 minus `kv_cache_*`, which newer builds dropped (the gateway must not need them). */
export function handleMetrics(ctx: SimContext, res: ServerResponse): void {
  if (!ctx.config.metrics) {
    sendError(res, 501, "This server does not support metrics endpoint. Start it with `--metrics`");
    return;
  }
  const { stats, totals } = ctx;
  const series: [name: string, type: string, help: string, value: number][] = [
    ["prompt_tokens_total", "counter", "Number of prompt tokens processed.", totals.promptTokens],
    ["prompt_seconds_total", "counter", "Prompt process time", totals.promptMs / 1000],
    ["tokens_predicted_total", "counter", "Number of generation tokens processed.", totals.predictedTokens],
    ["tokens_predicted_seconds_total", "counter", "Predict process time", totals.predictedMs / 1000],
    ["n_decode_total", "counter", "Total number of llama_decode() calls", totals.decodes],
    ["n_busy_slots_per_decode", "counter", "Average number of busy slots per llama_decode() call", 1],
    ["prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.", rate(totals.promptTokens, totals.promptMs)],
    ["predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.", rate(totals.predictedTokens, totals.predictedMs)],
    ["requests_processing", "gauge", "Number of requests processing.", stats.processing],
    ["requests_deferred", "gauge", "Number of requests deferred.", stats.deferred],
  ];
  let text = "";
  for (const [name, type, help, value] of series) {
    text += `# HELP llamacpp:${name} ${help}\n# TYPE llamacpp:${name} ${type}\nllamacpp:${name} ${value}\n`;
  }
  res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4", Server: "llama.cpp" }).end(text);
}
