import { describe, expect, it } from "vitest";
import { CancelRegistry } from "./cancel-registry.ts";

describe("CancelRegistry", () => {
  it("when a cancel was heard for a queued job, then it is known cancelled without asking Redis", () => {
    const registry = new CancelRegistry(0);
    registry.listening(1_000);
    expect(registry.cancel("req-a", "client_disconnected")).toBe(false);
    expect(registry.cancelledWhileQueued("req-a", 2_000)).toBe(true);
  });

  it("when listening since before the job was enqueued and nothing was heard, then it is known not cancelled", () => {
    const registry = new CancelRegistry(100);
    registry.listening(1_000);
    expect(registry.cancelledWhileQueued("req-b", 1_100)).toBe(false);
  });

  it("when the job may predate the subscription (or clock skew), then the answer is unknown", () => {
    const registry = new CancelRegistry(100);
    registry.listening(1_000);
    expect(registry.cancelledWhileQueued("req-c", 1_099)).toBeUndefined();
  });

  it("when the subscription is down, then the answer is unknown until it is back", () => {
    const registry = new CancelRegistry(0);
    registry.listening(undefined);
    expect(registry.cancelledWhileQueued("req-d", 5_000)).toBeUndefined();
    registry.listening(6_000);
    expect(registry.cancelledWhileQueued("req-d", 5_000)).toBeUndefined();
    expect(registry.cancelledWhileQueued("req-d", 6_000)).toBe(false);
  });

  it("when a running job is cancelled, then its controller aborts", () => {
    const registry = new CancelRegistry();
    const controller = registry.register("req-e");
    expect(registry.cancel("req-e", "timeout")).toBe(true);
    expect(controller.signal.aborted).toBe(true);
  });
});
