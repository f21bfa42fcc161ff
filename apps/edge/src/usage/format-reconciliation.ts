import type { ReconcileItem, ReconcileList, ReconciliationReport } from "@gateway/contracts";

const n = (value: number | null) => (value === null ? "-" : value.toLocaleString("en-US"));
const signed = (value: number | null) => (value === null ? "-" : value > 0 ? `+${n(value)}` : n(value));

/** Columns padded to their widest cell; the first two left-aligned (date, backend), numbers right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function item(r: ReconcileItem): string {
  if (r.rows === 0) return `  ${r.request_id}  delivered ${r.delivered_at}  (no usage row: tenant and tokens unknown)`;
  const times = `started ${r.started_at}  finished ${r.finished_at}${r.delivered_at ? `  delivered ${r.delivered_at}` : ""}`;
  const rows = r.rows > 1 ? `  ${r.rows} rows` : "";
  return `  ${r.request_id}  tenant ${r.tenant_id}  model ${r.model}  backend ${r.backend ?? "-"}  ${r.outcome}  ${n(r.prompt_tokens)} + ${n(r.completion_tokens)} tokens  ${times}${rows}`;
}

function list(title: string, { count, data }: ReconcileList): string[] {
  const more = count > data.length ? [`  … and ${n(count - data.length)} more (the oldest ${data.length} are shown)`] : [];
  return [`${title}: ${n(count)}`, ...data.map(item), ...more];
}

/** `pnpm gateway usage reconcile` for a person: tokens per backend and day, what the differences mean, the three lists. */
export function formatReconciliation(report: ReconciliationReport): string[] {
  const rows = report.tokens.map((t) => [
    t.date,
    t.backend ?? "(none)",
    n(t.billed.requests),
    n(t.billed.generation_prompt_tokens),
    n(t.counted.prompt_tokens),
    signed(t.difference.prompt_tokens),
    n(t.billed.succeeded_completion_tokens),
    n(t.counted.completion_tokens),
    signed(t.difference.completion_tokens),
    n(t.billed.completion_tokens - t.billed.succeeded_completion_tokens),
  ]);
  const header = [
    "date",
    "backend",
    "requests",
    "prompt billed",
    "counted",
    "diff",
    "completion billed",
    "counted",
    "diff",
    "not finished",
  ];
  const verdict =
    report.discrepancies === 0
      ? "No discrepancies."
      : `${n(report.discrepancies)} discrepanc${report.discrepancies === 1 ? "y" : "ies"}: each request listed above was answered but not billed, billed twice, or billed but not delivered.`;
  return [
    `Reconciliation of ${report.from} to ${report.to} (UTC days), as of ${report.as_of}; ${report.settle_s ? `requests of the last ${report.settle_s} s are not listed yet (they may still be on their way)` : "requests are listed however recent"}.`,
    "",
    "Tokens per backend and day: billed, and counted by the backend itself (diff = counted - billed).",
    ...(rows.length ? table(header, rows) : ["  nothing billed or counted"]),
    "  prompt: billed prompt tokens of generations (embeddings are not in llama-server's counter). The backend counts only what it",
    "    processed: a cached prompt prefix is not, so counted below billed is expected with prompt caching; cancelled or failed",
    "    requests are billed /tokenize's count, a few chat-template tokens short, so counted slightly above is expected too.",
    "  completion: billed completion tokens of succeeded requests; llama-server counts a generation only when it ends by itself,",
    "    so 'not finished' (tokens billed for cancelled or failed requests) is not in its counter. '-': the backend reported no",
    "    counters (llama-server without --metrics). Token differences are shown, not failed on.",
    "",
    ...list("Answered but not billed", report.answered_not_billed),
    ...list("Billed twice", report.billed_twice),
    ...list("Billed but not delivered", report.billed_not_delivered),
    "",
    verdict,
  ];
}
