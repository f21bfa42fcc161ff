import { LLAMA_SAMPLING_FIELDS, type Caller, type InferenceQueuePayload, type ModelConfig } from "@gateway/contracts";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import type { PrepareDeps } from "./inference-deps.ts";

export interface JobContext extends RequestIds {
  caller: Caller;
  replyTo: string;
  now: number;
  timeoutMs: number;
  /** The caller's tier's max_tokens: a request that names none gets the smaller of this and the model's. */
  maxTokensCap?: number | undefined;
}

/** Who a job is for and when it expires, from the request and the preparer's deps. */
export function jobContext(
  deps: Pick<PrepareDeps, "config" | "hub" | "requestTimeoutMs">,
  principal: Principal,
  ids: RequestIds,
): JobContext {
  const { caller } = principal;
  return {
    ...ids,
    caller,
    replyTo: deps.hub.channel,
    now: Date.now(),
    timeoutMs: deps.requestTimeoutMs,
    maxTokensCap: deps.config.tiers[caller.tier]?.max_tokens,
  };
}

type Envelope = Pick<
  InferenceQueuePayload,
  "v" | "request_id" | "model" | "caller" | "reply_to" | "accepted_at" | "deadline_at" | "client_request_id"
>;

/** What every job kind carries to route its answer back, expire and be labelled; `model` is the canonical id. */
export function jobEnvelope(ctx: JobContext, model: string): Envelope {
  return {
    v: 1,
    request_id: ctx.requestId,
    model,
    caller: ctx.caller,
    reply_to: ctx.replyTo,
    accepted_at: ctx.now,
    deadline_at: ctx.now + ctx.timeoutMs,
    ...(ctx.clientRequestId !== undefined && { client_request_id: ctx.clientRequestId }),
  };
}

/**
 * max_tokens as the job carries it, always bounded (llama-server treats a missing one as "until the
 * context ends"): the request's, else the smaller of the model's and the tier's.
 */
export const boundedMaxTokens = (requested: number | undefined, model: ModelConfig | undefined, ctx: JobContext): number =>
  requested ?? Math.min(model?.max_output_tokens ?? 1, ctx.maxTokensCap ?? Infinity);

/** Request fields of every generation (chat or legacy) that go to the job as they are: the worker translates them for llama-server. */
export const GENERATION_FIELDS = [
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "logit_bias",
  "json_schema",
  "grammar",
  ...LLAMA_SAMPLING_FIELDS,
] as const;

/** Copies the fields of `from` that are set onto `to`: request fields that go to the job as they are. */
export function copyDefined<F extends string>(from: Partial<Record<F, unknown>>, fields: readonly F[], to: object): void {
  for (const field of fields) if (from[field] !== undefined) (to as Record<string, unknown>)[field] = from[field];
}

export const stopList = (stop: string | string[] | undefined) => (typeof stop === "string" ? [stop] : stop);
