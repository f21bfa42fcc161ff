import { describe, expect, it } from "vitest";
import { UpstreamError } from "../llama/upstream-error.ts";
import { BackendBreaker } from "./backend-breaker.ts";

const options = { resetMs: 50, consecutiveFailures: 3, errorPercentage: 50, windowMs: 10_000, minRequests: 100 };
const fail =
  (kind: UpstreamError["kind"], extra: Partial<UpstreamError["details"]> = {}) =>
  () =>
    Promise.reject(new UpstreamError(kind, kind, { tokens: 0, ...extra }));
const ok = () => Promise.resolve("ok");

function breaker() {
  const changes: string[] = [];
  return { b: new BackendBreaker("http://x:1", options, (s) => changes.push(s)), changes };
}

describe("BackendBreaker", () => {
  it("when three calls in a row fail to connect, then it opens and refuses calls without making them", async () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 3; i++) await b.run(fail("connect")).catch(() => undefined);
    expect(b.state).toBe("open");
    expect(changes).toEqual(["open"]);
    let called = false;
    const err = await b.run(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect((err as UpstreamError).kind).toBe("open");
    b.shutdown();
  });

  it("when calls are cancelled, loading, or rejected for the request's own fault, then it stays closed", async () => {
    const { b } = breaker();
    for (let i = 0; i < 5; i++) {
      await b.run(fail("cancelled")).catch(() => undefined);
      await b.run(fail("loading")).catch(() => undefined);
      await b.run(fail("status", { status: 400, requestCaused: true })).catch(() => undefined);
    }
    expect(b.state).toBe("closed");
    b.shutdown();
  });

  it("when a success comes between failures, then the run of failures starts over", async () => {
    const { b } = breaker();
    for (let i = 0; i < 4; i++) {
      await b.run(fail("timeout")).catch(() => undefined);
      await b.run(fail("stream")).catch(() => undefined);
      await b.run(ok);
    }
    expect(b.state).toBe("closed");
    b.shutdown();
  });

  it("when it half-opens, then a ready /health closes it and a failed one re-opens it; client calls wait for the trial", async () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 3; i++) await b.run(fail("connect")).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 80));
    expect(b.state).toBe("half_open");
    expect(((await b.run(ok).catch((e: unknown) => e)) as UpstreamError).kind).toBe("open");
    expect(await b.probe(async () => "down")).toBe("down");
    expect(b.state).toBe("open");
    await new Promise((r) => setTimeout(r, 80));
    expect(await b.probe(async () => "ready")).toBe("ready");
    expect(b.state).toBe("closed");
    expect(changes).toEqual(["open", "half_open", "open", "half_open", "closed"]);
    b.shutdown();
  });

  it("when closed, then failed /health probes count as failures and good ones do not count", async () => {
    const { b } = breaker();
    await b.probe(async () => "ready");
    await b.probe(async () => "loading");
    expect(b.state).toBe("closed");
    for (let i = 0; i < 3; i++) await b.probe(async () => "down");
    await new Promise((r) => setImmediate(r));
    expect(b.state).toBe("open");
    b.shutdown();
  });
});
