import { describe, expect, it } from "vitest";
import { utcDay } from "./utc-day.ts";

describe("utcDay", () => {
  it("when the time crosses midnight UTC, forwards or back, then the day follows it to the millisecond", () => {
    const midnight = Date.parse("2026-12-04T00:00:00.000Z");
    expect(utcDay(midnight - 1)).toBe("2026-12-03");
    expect(utcDay(midnight)).toBe("2026-12-04");
    expect(utcDay(midnight + 86_399_999)).toBe("2026-12-04");
    expect(utcDay(midnight + 86_400_000)).toBe("2026-12-05");
    expect(utcDay(midnight - 1)).toBe("2026-12-03");
    expect(utcDay(Date.parse("2024-02-29T23:59:59.999Z"))).toBe("2024-02-29");
  });
});
