import type { ReconciliationReport } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { daysOf } from "./backend-tokens.ts";
import { formatReconciliation } from "./format-reconciliation.ts";
import { compareTokens } from "./reconcile.ts";

const A = "http://a:8080";
const B = "http://b:8080";
const billed = (date: string, backend: string | null, generation_prompt_tokens: number, succeeded_completion_tokens: number) => ({
  date,
  backend,
  requests: 2,
  prompt_tokens: generation_prompt_tokens + 5,
  completion_tokens: succeeded_completion_tokens + 3,
  generation_prompt_tokens,
  succeeded_completion_tokens,
});

describe("compareTokens", () => {
  it("when billing and the backends both have a day, then each backend's row puts counted beside comparable billed tokens", () => {
    const counted = new Map([
      [
        "2026-12-01",
        new Map([
          [A, { prompt: 90, predicted: 40 }],
          [B, { prompt: 7 }],
        ]),
      ],
      ["2026-12-02", new Map([[A, { prompt: 1, predicted: 1 }]])],
    ]);
    const rows = compareTokens([billed("2026-12-01", A, 100, 40), billed("2026-12-01", null, 10, 1)], counted);
    expect(rows.map((r) => [r.date, r.backend, r.counted, r.difference])).toEqual([
      ["2026-12-01", A, { prompt_tokens: 90, completion_tokens: 40 }, { prompt_tokens: -10, completion_tokens: 0 }],
      // Counted by a backend nothing was billed on: all of it is a difference.
      ["2026-12-01", B, { prompt_tokens: 7, completion_tokens: null }, { prompt_tokens: 7, completion_tokens: null }],
      // Rows that name no backend have no counters to compare with.
      ["2026-12-01", null, { prompt_tokens: null, completion_tokens: null }, { prompt_tokens: null, completion_tokens: null }],
      ["2026-12-02", A, { prompt_tokens: 1, completion_tokens: 1 }, { prompt_tokens: 1, completion_tokens: 1 }],
    ]);
    expect(rows[2]!.billed.requests).toBe(2);
    expect(rows[1]!.billed.requests).toBe(0);
  });
});

describe("daysOf", () => {
  it("when a range crosses a month end, then every UTC day of it is listed once", () => {
    expect(daysOf("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    expect(daysOf("2026-03-02", "2026-03-02")).toEqual(["2026-03-02"]);
  });
});

describe("formatReconciliation", () => {
  const empty = { count: 0, data: [] };
  const report: ReconciliationReport = {
    from: "2026-12-01",
    to: "2026-12-01",
    settle_s: 120,
    as_of: "2026-12-01T12:00:00.000Z",
    tokens: compareTokens([billed("2026-12-01", A, 1234, 40)], new Map([["2026-12-01", new Map([[A, { prompt: 1200, predicted: 40 }]])]])),
    answered_not_billed: {
      count: 2,
      data: [
        {
          request_id: "req_lost",
          tenant_id: null,
          model: null,
          backend: null,
          outcome: null,
          rows: 0,
          prompt_tokens: null,
          completion_tokens: null,
          started_at: null,
          finished_at: null,
          delivered_at: "2026-12-01T10:00:00.000Z",
        },
      ],
    },
    billed_twice: empty,
    billed_not_delivered: empty,
    discrepancies: 2,
  };

  it("when there are discrepancies, then the table, each listed request, what is left out and the count are printed", () => {
    const text = formatReconciliation(report).join("\n");
    expect(text).toMatch(/^2026-12-01 {2}http:\/\/a:8080 +2 +1,234 +1,200 +-34 +40 +40 +0 +3$/m);
    expect(text).toContain("Answered but not billed: 2\n  req_lost  delivered 2026-12-01T10:00:00.000Z");
    expect(text).toContain("… and 1 more");
    expect(text).toContain("Billed twice: 0");
    expect(text).toMatch(/2 discrepancies/);
  });

  it("when there are none, then it says so", () => {
    const clean = { ...report, answered_not_billed: empty, discrepancies: 0 };
    expect(formatReconciliation(clean).at(-1)).toBe("No discrepancies.");
  });
});
