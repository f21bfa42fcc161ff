import { describe, expect, it } from "vitest";
import { parseDeliveryEntry } from "./parse-delivery-entry.ts";

describe("parseDeliveryEntry", () => {
  it("when an entry has a request id and an epoch ms, then it is that delivery, whatever the field order", () => {
    expect(parseDeliveryEntry(["id", "req_1", "at", "1765000000123"])).toEqual({
      requestId: "req_1",
      deliveredAt: new Date(1765000000123),
    });
    expect(parseDeliveryEntry(["at", "1765000000123", "id", "job_2", "extra", "x"])?.requestId).toBe("job_2");
  });

  it("when the id or the time is missing or not what a delivery writes, then it is not a delivery", () => {
    for (const fields of [
      ["id", "req_1"],
      ["at", "1765000000123"],
      ["id", "", "at", "1765000000123"],
      ["id", "req_1", "at", "soon"],
      ["id", "req_1", "at", "-5"],
      ["id", "req_1", "at", "1.5"],
      ["id", "req_1", "at", "0"],
      ["id", "x".repeat(201), "at", "1765000000123"],
      ["id", "req_1", "at", "99999999999999999"],
      ["id"],
    ])
      expect(parseDeliveryEntry(fields), JSON.stringify(fields)).toBeUndefined();
  });
});
