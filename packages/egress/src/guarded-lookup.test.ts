import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { egressPolicy } from "./egress-policy.ts";
import { EgressRefusedError, guardedLookup } from "./guarded-lookup.ts";

/** A resolver that answers from a table, as DNS would (rebinding included: the table can change). */
const resolver =
  (table: Record<string, LookupAddress[]>) =>
  (host: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
    callback(null, table[host] ?? []);

function lookupOnce(lookup: ReturnType<typeof guardedLookup>, host: string, all: boolean) {
  return new Promise<{ err: Error | null; address: unknown }>((resolve) =>
    lookup(host, { all } as never, (err: Error | null, address: unknown) => resolve({ err, address })),
  );
}

describe("guardedLookup", () => {
  const table: Record<string, LookupAddress[]> = {
    "hooks.example.com": [{ address: "93.184.215.14", family: 4 }],
    "internal.example.com": [{ address: "10.0.0.5", family: 4 }],
    "mixed.example.com": [
      { address: "93.184.215.14", family: 4 },
      { address: "::1", family: 6 },
    ],
  };
  const lookup = guardedLookup(egressPolicy(), resolver(table));

  it("when a name resolves to public addresses, then they are returned in the shape asked for", async () => {
    expect(await lookupOnce(lookup, "hooks.example.com", false)).toEqual({ err: null, address: "93.184.215.14" });
    expect((await lookupOnce(lookup, "hooks.example.com", true)).address).toEqual(table["hooks.example.com"]);
  });

  it("when a name resolves to a private address, or any of its addresses is loopback, then the connection is refused", async () => {
    const internal = await lookupOnce(lookup, "internal.example.com", true);
    expect(internal.err).toBeInstanceOf(EgressRefusedError);
    expect((internal.err as EgressRefusedError).reason).toBe("private");
    expect(((await lookupOnce(lookup, "mixed.example.com", false)).err as EgressRefusedError).reason).toBe("loopback");
  });

  it("when a name that was public rebinds to loopback, then the next connection is refused", async () => {
    const rebinding: Record<string, LookupAddress[]> = { "rebind.example.com": [{ address: "93.184.215.14", family: 4 }] };
    const guarded = guardedLookup(egressPolicy(), resolver(rebinding));
    expect((await lookupOnce(guarded, "rebind.example.com", false)).err).toBeNull();
    rebinding["rebind.example.com"] = [{ address: "127.0.0.1", family: 4 }];
    expect((await lookupOnce(guarded, "rebind.example.com", false)).err).toBeInstanceOf(EgressRefusedError);
  });
});
