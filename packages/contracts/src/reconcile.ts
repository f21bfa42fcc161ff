import { z } from "zod";
import { MAX_RANGE_DAYS, UsageOutcome } from "./usage.ts";

const DAY_MS = 86_400_000;
const Timestamp = z.iso.datetime({ offset: true });
const Tokens = z.number().int().min(0);

/** Two minutes: a usage event or a delivery still on its way is not reported as missing. */
export const DEFAULT_SETTLE_S = 120;
/** Most requests one list of a reconciliation carries; its `count` is always the full number. */
export const MAX_RECONCILE_ITEMS = 1_000;

/** Billing's `GET /internal/v1/reconcile`: UTC days from..to inclusive. */
export const ReconcileQuery = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    /** Requests that finished (or were delivered) less than this long ago are not listed: they may still be on their way. */
    settle_s: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_SETTLE_S),
  })
  .refine((q) => q.from <= q.to, { path: ["to"], message: "must not be before from" })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_RANGE_DAYS, {
    path: ["to"],
    message: `the range may cover at most ${MAX_RANGE_DAYS} days`,
  });
export type ReconcileQuery = z.infer<typeof ReconcileQuery>;

/** Tokens billed for one backend on one UTC day (by the usage row's finished_at). */
export const BilledTokens = z.object({
  requests: z.number().int().min(0),
  prompt_tokens: Tokens,
  completion_tokens: Tokens,
  /** Prompt tokens of generations (not embeddings): what llama-server's prompt counter can see. */
  generation_prompt_tokens: Tokens,
  /** Completion tokens of succeeded requests: llama-server counts a generation only when it runs to its end. */
  succeeded_completion_tokens: Tokens,
});
export type BilledTokens = z.infer<typeof BilledTokens>;

export const BilledBackendDay = BilledTokens.extend({
  date: z.iso.date(),
  /** The backend's base URL; null for usage rows that name none. */
  backend: z.string().nullable(),
});
export type BilledBackendDay = z.infer<typeof BilledBackendDay>;

/**
 * One request in a list. A delivery with no usage row knows only its id and time: the other
 * fields are null then.
 */
export const ReconcileItem = z.object({
  request_id: z.string(),
  tenant_id: z.string().nullable(),
  model: z.string().nullable(),
  backend: z.string().nullable(),
  outcome: UsageOutcome.nullable(),
  /** Usage rows of the request (0: none, 2 or more: billed more than once). */
  rows: z.number().int().min(0),
  prompt_tokens: Tokens.nullable(),
  completion_tokens: Tokens.nullable(),
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  delivered_at: Timestamp.nullable(),
});
export type ReconcileItem = z.infer<typeof ReconcileItem>;

export const ReconcileList = z.object({
  count: z.number().int().min(0),
  /** The oldest MAX_RECONCILE_ITEMS of them. */
  data: z.array(ReconcileItem),
});
export type ReconcileList = z.infer<typeof ReconcileList>;

/** What billing answers: its side of the reconciliation. */
export const Reconciliation = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  settle_s: z.number().int().min(0),
  /** Billing's clock when it looked: the lists hold what had settled before `as_of` − `settle_s`. */
  as_of: Timestamp,
  billed: z.array(BilledBackendDay),
  /** Delivered to its client, no usage row. */
  answered_not_billed: ReconcileList,
  /** More than one usage row for one request id (impossible while the unique key holds; checked anyway). */
  billed_twice: ReconcileList,
  /** Billed as succeeded, never delivered. */
  billed_not_delivered: ReconcileList,
});
export type Reconciliation = z.infer<typeof Reconciliation>;

const Counted = z.object({ prompt_tokens: Tokens.nullable(), completion_tokens: Tokens.nullable() });

/** One backend on one UTC day: billed, what the backend counted itself (null: unknown), and counted − billed. */
export const BackendDayTokens = z.object({
  date: z.iso.date(),
  backend: z.string().nullable(),
  billed: BilledTokens,
  counted: Counted,
  /** Counted prompt minus billed generation prompt, counted completion minus billed succeeded completion. */
  difference: z.object({ prompt_tokens: z.number().int().nullable(), completion_tokens: z.number().int().nullable() }),
});
export type BackendDayTokens = z.infer<typeof BackendDayTokens>;

/** `pnpm gateway usage reconcile --json`: billing's side beside the backends' own counters. */
export const ReconciliationReport = Reconciliation.omit({ billed: true }).extend({
  tokens: z.array(BackendDayTokens),
  /** Requests in the three lists together; 0 is the expected result, after any fault. */
  discrepancies: z.number().int().min(0),
});
export type ReconciliationReport = z.infer<typeof ReconciliationReport>;
