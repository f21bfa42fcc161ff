import { addressRefusal, type EgressPolicy } from "./egress-policy.ts";

/** Names that resolve to this machine by convention (RFC 6761), whatever DNS says. */
const LOOPBACK_NAMES = /(^|\.)localhost$/i;

/**
 * Why a tenant-chosen URL may not be used, judged from its text alone: not http(s), or a host
 * that is literally a forbidden address in any spelling (the WHATWG parser already turns
 * `0x7f000001`, `2130706433` and `127.1` into `127.0.0.1`), or a loopback name. Undefined when
 * the text is fine; where a host name resolves to is checked again at connect time.
 */
export function urlRefusal(raw: string | URL, policy: EgressPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "not an http(s) URL";
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  if (host === "") return "no host";
  if (LOOPBACK_NAMES.test(host)) return "loopback";
  const refusal = addressRefusal(host, policy);
  return refusal === "not an address" ? undefined : refusal;
}
