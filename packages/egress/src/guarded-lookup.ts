import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import { addressRefusal, type EgressPolicy } from "./egress-policy.ts";

/** A connection refused because its host resolved to an address the policy forbids. */
export class EgressRefusedError extends Error {
  override name = "EgressRefusedError";
  readonly code = "EGRESS_REFUSED";

  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`refusing to connect to '${host}': it is a ${reason} address`);
  }
}

type Resolve = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for sockets that resolves the host and refuses the connection if ANY address it
 * resolves to is forbidden: the check is on the address actually connected to, at connect
 * time, so a name that resolves to a public address at submit and to 127.0.0.1 later (DNS
 * rebinding) is still refused.
 */
export function guardedLookup(policy: EgressPolicy, resolve: Resolve = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      for (const { address } of addresses) {
        const reason = addressRefusal(address, policy);
        if (reason) return callback(new EgressRefusedError(hostname, reason), "", 4);
      }
      if ((options as { all?: boolean }).all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`no address for '${hostname}'`), { code: "ENOTFOUND" }), "", 4);
      callback(null, first.address, first.family);
    });
  };
}
