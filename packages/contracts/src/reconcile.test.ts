import { describe, expect, it } from "vitest";
import { DEFAULT_SETTLE_S, ReconcileQuery } from "./reconcile.ts";

describe("reconcile contracts", () => {
  it("when the settle margin is not given, then it is two minutes; from a query string it is a number", () => {
    expect(ReconcileQuery.parse({ from: "2026-12-01", to: "2026-12-02" })).toEqual({
      from: "2026-12-01",
      to: "2026-12-02",
      settle_s: DEFAULT_SETTLE_S,
    });
    expect(ReconcileQuery.parse({ from: "2026-12-01", to: "2026-12-01", settle_s: "0" }).settle_s).toBe(0);
  });

  it("when the range is reversed, longer than 366 days or not calendar dates, then it is refused naming the field", () => {
    expect(ReconcileQuery.safeParse({ from: "2026-12-02", to: "2026-12-01" }).error?.issues[0]?.path).toEqual(["to"]);
    expect(ReconcileQuery.safeParse({ from: "2024-01-01", to: "2025-01-01" }).error?.issues[0]?.path).toEqual(["to"]);
    expect(ReconcileQuery.safeParse({ from: "2026-02-30", to: "2026-03-01" }).error?.issues[0]?.path).toEqual(["from"]);
    expect(ReconcileQuery.safeParse({ from: "2026-12-01", to: "2026-12-01", settle_s: "-1" }).success).toBe(false);
  });
});
