import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { untilReconciled } from "./support/reconcile.ts";

/**
 * An edge killed mid-request: the jobs it waited for are tied to its heartbeat, so the workers
 * cancel them within seconds (the backend sees the request cancelled, its slot freed) and bill
 * what was produced, instead of generating to max_tokens for nobody.
 */
const BOUND_MS = 8_000;
let system: System;
beforeAll(async () => {
  system = await startSystem({
    sim: { interTokenMs: 20, naturalTokens: 5_000, nCtx: 10_000 },
    model: () => ({ max_output_tokens: 5_000 }),
  });
});
afterAll(() => system?.stop());

describe("when an edge is killed with SIGKILL while it relays a stream and waits for a JSON answer", () => {
  it("then the backend sees both requests cancelled within the bound, and both are billed as cancelled", async () => {
    const ends: { aborted: boolean; at: number }[] = [];
    system.sims[0]!.onRequestEnd((e) => ends.push({ aborted: e.aborted, at: Date.now() }));
    const body = (stream: boolean) =>
      JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "a very long story" }], max_tokens: 5_000, stream });
    const headers = { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" };
    const stream = await fetch(`${system.edgeUrl}/v1/chat/completions`, { method: "POST", headers, body: body(true) });
    const streamId = stream.headers.get("x-request-id")!;
    await stream.body!.getReader().read();
    void fetch(`${system.edgeUrl}/v1/chat/completions`, { method: "POST", headers, body: body(false) }).catch(() => undefined);
    await expect.poll(() => system.sims[0]!.stats.processing, { timeout: 5_000 }).toBe(2);

    const killedAt = Date.now();
    await system.services.edge.stop("SIGKILL");
    await expect.poll(() => ends.filter((e) => e.aborted).length, { timeout: BOUND_MS + 2_000 }).toBe(2);
    const cancelledAfter = Math.max(...ends.map((e) => e.at)) - killedAt;
    console.info(`edge SIGKILL: both generations cancelled ${cancelledAfter} ms after the kill`);
    expect(cancelledAfter).toBeLessThan(BOUND_MS);

    const [row] = await usageRows(system.db, streamId);
    expect(row).toMatchObject({ outcome: "cancelled" });
    expect(Number(row!.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row!.completion_tokens)).toBeLessThan(5_000);
    await expect
      .poll(
        async () =>
          (await system.db.query("SELECT outcome FROM usage_records WHERE key_id = $1", [system.keyId])).rows.map((r) => r.outcome),
        {
          timeout: 15_000,
        },
      )
      .toEqual(["cancelled", "cancelled"]);
    // Cancelled, not succeeded: nothing billed as an answer nobody got.
    await untilReconciled(system);
  });
});
