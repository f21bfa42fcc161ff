import { describe, expect, it } from "vitest";
import { withTimeout } from "./with-timeout.ts";

describe("withTimeout", () => {
  it("when the work answers in time, then its outcome is the answer", async () => {
    await expect(withTimeout(async () => "PONG", 100)).resolves.toBe("PONG");
    await expect(withTimeout(() => Promise.reject(new Error("refused")), 100)).rejects.toThrow("refused");
  });

  it("when the work never answers, then it fails after the timeout saying so", async () => {
    await expect(withTimeout(() => new Promise(() => {}), 20)).rejects.toThrow("no answer within 20 ms");
  });
});
