import { afterEach, describe, expect, it, vi } from "vitest";
import { BackendClock } from "./backend-clock.ts";

afterEach(() => vi.restoreAllMocks());

function at(...times: number[]) {
  const spy = vi.spyOn(performance, "now");
  for (const t of times) spy.mockReturnValueOnce(t);
}

describe("BackendClock", () => {
  it("when calls run one after another, then their times add up and the gaps between them do not count", () => {
    const clock = new BackendClock();
    at(0, 10, 50, 70);
    clock.enter();
    clock.leave();
    clock.enter();
    clock.leave();
    expect(clock.ms()).toBe(30);
  });

  it("when calls overlap, then the time is counted once", () => {
    const clock = new BackendClock();
    // Only the first enter and the last leave read the clock.
    at(0, 30);
    clock.enter();
    clock.enter();
    clock.leave();
    clock.leave();
    expect(clock.ms()).toBe(30);
  });

  it("when no call was made, then it is 0", () => {
    expect(new BackendClock().ms()).toBe(0);
  });
});
