import ipaddr from "ipaddr.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Where a tenant-chosen URL (a webhook, an image) may make the gateway connect: public unicast
 * addresses only, plus the ranges the operator allows (for receivers inside the cluster).
 */
export interface EgressPolicy {
  readonly allowed: readonly (readonly [Address, number])[];
}

/** The policy with `allowCidrs` ("10.0.0.0/8", "fd00::/8", …) allowed; a malformed range throws, naming it. */
export function egressPolicy(allowCidrs: readonly string[] = []): EgressPolicy {
  return {
    allowed: allowCidrs.map((cidr, i) => {
      try {
        return ipaddr.parseCIDR(cidr.trim());
      } catch {
        throw new Error(`range ${i} ('${cidr}') is not an address range in CIDR notation`);
      }
    }),
  };
}

/**
 * Why the gateway may not connect to `ip` ("loopback", "private", "linkLocal", "uniqueLocal",
 * "multicast", "unspecified", "reserved", …: ipaddr.js's range names), or undefined when it may.
 * An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
 */
export function addressRefusal(ip: string, policy: EgressPolicy): string | undefined {
  if (!ipaddr.isValid(ip)) return "not an address";
  let address: Address = ipaddr.parse(ip);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  for (const [range, bits] of policy.allowed) {
    if (address.kind() === range.kind() && address.match(range, bits)) return undefined;
  }
  const range = address.range();
  return range === "unicast" ? undefined : range;
}

/** The policy of a comma-separated list of ranges, as an environment variable gives it (blank: none allowed). */
export function egressPolicyFromList(list: string): EgressPolicy {
  return egressPolicy(
    list
      .split(",")
      .map((cidr) => cidr.trim())
      .filter((cidr) => cidr !== ""),
  );
}
