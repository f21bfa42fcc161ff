import type { Samples } from "./samples.ts";

export const LOADS = [1, 16, 64] as const;

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const signed = (n: number, digits = 2) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${n.toFixed(digits)}` : "-");
const row = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: string[][]) => [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");

const streams = (n: number) => `${n} stream${n === 1 ? "" : "s"}`;

type Row = [label: string, cell: (target: string) => string];

/** Added ms against direct; direct's own column holds its absolute value in parentheses. */
const addedRow = (s: Samples, label: string, cell: string, metric: string): Row => [
  label,
  (t) => (t === "direct" ? `(${fmt(s.median(t, cell, metric))})` : signed(s.added(t, cell, metric))),
];
const plainRow = (s: Samples, label: string, cell: string, metric: string, digits: number, skipDirect = false): Row => [
  label,
  (t) => (skipDirect && t === "direct" ? "-" : fmt(s.median(t, cell, metric), digits)),
];
const render = (head: string, targets: string[], rows: Row[]) =>
  table(
    [head, ...targets],
    rows.map(([label, cell]) => [label, ...targets.map(cell)]),
  );

export function nonStreamTable(s: Samples, targets: string[]): string {
  return render("non-stream, max_tokens 16", targets, [
    ...LOADS.map((c) => addedRow(s, `added p50 ms, concurrency ${c}`, `ns-${c}`, "p50")),
    ...LOADS.map((c) => addedRow(s, `added p99 ms, concurrency ${c}`, `ns-${c}`, "p99")),
    ...LOADS.map((c) => plainRow(s, `req/s, concurrency ${c}`, `ns-${c}`, "rps", 0)),
    ...LOADS.map((c) => plainRow(s, `CPU µs per request, concurrency ${c}`, `ns-${c}`, "cpu", 0, true)),
    ...LOADS.map((c) =>
      plainRow(s, `shared Postgres CPU µs per request, concurrency ${c} (not in the row above)`, `ns-${c}`, "sideCpu", 0, true),
    ),
    plainRow(s, "CPU ms per second when idle", "idle", "idle", 1, true),
    ["errors, all cells", (t) => String(s.total(t, "ns-", "errors"))],
  ]);
}

export function streamTable(s: Samples, targets: string[]): string {
  return render("streams", targets, [
    ...LOADS.map((n) => addedRow(s, `added time to first token p50 ms, ${streams(n)}`, `st-${n}`, "ttft50")),
    ...LOADS.map((n) => addedRow(s, `added inter-token gap p99 ms, ${streams(n)}`, `st-${n}`, "gap99")),
    ...LOADS.map((n) => plainRow(s, `streams/s, ${streams(n)}`, `st-${n}`, "rate", 1)),
    ...LOADS.map((n) => plainRow(s, `CPU µs per stream, ${streams(n)}`, `st-${n}`, "cpu", 0, true)),
    plainRow(s, "shared Postgres CPU µs per stream, 64 streams (not in the row above)", "st-64", "sideCpu", 0, true),
    ["errors, all cells", (t) => String(s.total(t, "st-", "errors"))],
  ]);
}

/**
 * One target's CPU process by process (its `parts`), a column per cell: where its CPU per request
 * goes. Undefined when the target has no named processes.
 */
export function partsTable(s: Samples, target: string, parts: readonly string[]): string | undefined {
  if (parts.length === 0) return undefined;
  type Column = { head: string; cell: string; prefix: "cpu" | "idle"; digits: number };
  const columns: Column[] = [
    ...LOADS.map((c) => ({ head: `µs/request, c${c}`, cell: `ns-${c}`, prefix: "cpu" as const, digits: 0 })),
    ...LOADS.map((n) => ({ head: `µs/stream, ${streams(n)}`, cell: `st-${n}`, prefix: "cpu" as const, digits: 0 })),
    { head: "ms/s idle", cell: "idle", prefix: "idle", digits: 1 },
  ];
  return table(
    [`${target}'s CPU by process`, ...columns.map((c) => c.head)],
    parts.map((part) => [part, ...columns.map((c) => fmt(s.median(target, c.cell, `${c.prefix}:${part}`), c.digits))]),
  );
}

interface Goal {
  name: string;
  /** The goal's metric for a target (the gateway, or the design's floor). */
  measure: (target: string) => number;
  limit: number;
  kind: "≤" | "≥" | "<";
  /** How the limit came about, when it is not a constant. */
  from?: string;
  digits?: number;
}

const verdict = (value: number, { limit, kind }: Goal) => {
  if (!Number.isFinite(value) || !Number.isFinite(limit)) return "n/a";
  return (kind === "≤" ? value <= limit : kind === "≥" ? value >= limit : value < limit) ? "PASS" : "FAIL";
};

/**
 * The issue's targets for this gateway, judged on this run's numbers; NaN (no Portkey) is "n/a".
 * With the floor (the design with nothing in it, BullMQ as the queue where it ran, see
 * targets/floor.ts), the same goals for it: a goal the floor fails cannot be met by this design on
 * this machine.
 */
export function goalsTable(s: Samples, targets: string[]): string {
  const hasPortkey = targets.includes("Portkey");
  const floorName = targets.includes("floor+BullMQ") ? "floor+BullMQ" : "floor";
  const hasFloor = targets.includes(floorName);
  const portkeyAdded = (cell: string, metric: string) => (hasPortkey ? s.added("Portkey", cell, metric) : NaN);
  const portkeyRps = (c: number) => (hasPortkey ? s.median("Portkey", `ns-${c}`, "rps") : NaN);
  const goals: Goal[] = [
    { name: "non-stream added p50 ms, concurrency 1", measure: (t) => s.added(t, "ns-1", "p50"), kind: "≤", limit: 1.5 },
    ...[16, 64].map((c): Goal => ({
      name: `req/s, concurrency ${c}`,
      measure: (t) => s.median(t, `ns-${c}`, "rps"),
      kind: "≥",
      limit: 1.5 * portkeyRps(c),
      from: "1.5 × Portkey's",
      digits: 0,
    })),
    {
      name: "CPU µs per request, concurrency 64 (all processes + Redis)",
      measure: (t) => s.median(t, "ns-64", "cpu"),
      kind: "≤",
      limit: 700,
      digits: 0,
    },
    ...[1, 16].map((n): Goal => ({
      name: `added time to first token p50 ms, ${streams(n)}`,
      measure: (t) => s.added(t, `st-${n}`, "ttft50"),
      kind: "≤",
      limit: 3,
    })),
    {
      name: "added time to first token p50 ms, 64 streams",
      measure: (t) => s.added(t, "st-64", "ttft50"),
      kind: "<",
      limit: portkeyAdded("st-64", "ttft50"),
      from: "Portkey's",
    },
    { name: "added inter-token gap p99 ms, 16 streams", measure: (t) => s.added(t, "st-16", "gap99"), kind: "≤", limit: 2 },
    {
      name: "added inter-token gap p99 ms, 64 streams",
      measure: (t) => s.added(t, "st-64", "gap99"),
      kind: "<",
      limit: portkeyAdded("st-64", "gap99"),
      from: "Portkey's",
    },
  ];
  return table(
    ["target for this gateway", "measured", "limit", "result", `the design's floor (${floorName})`, "floor's result"],
    goals.map((g) => {
      const [value, floor] = [g.measure("gateway"), hasFloor ? g.measure(floorName) : NaN];
      return [
        g.name,
        fmt(value, g.digits),
        `${g.kind} ${g.from ? `${g.from} = ` : ""}${fmt(g.limit, g.digits ?? (g.from ? 2 : 1))}`,
        verdict(value, g),
        fmt(floor, g.digits),
        hasFloor ? verdict(floor, g) : "-",
      ];
    }),
  );
}
