import { Agent, fetch, type RequestInit, type Response } from "undici";
import type { EgressPolicy } from "./egress-policy.ts";
import { EgressRefusedError, guardedLookup } from "./guarded-lookup.ts";
import { urlRefusal } from "./url-refusal.ts";

/**
 * `fetch` for URLs a tenant chose: the URL's text is checked first (an IP literal never reaches
 * a lookup), every connection resolves through the guarded lookup, and redirects are never
 * followed (a 3xx is answered as it is). Throws EgressRefusedError for a forbidden destination.
 */
export function egressFetcher(policy: EgressPolicy, options: { connectTimeoutMs?: number } = {}) {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy), timeout: options.connectTimeoutMs ?? 10_000 } });
  return {
    async fetch(url: string, init: Omit<RequestInit, "dispatcher" | "redirect"> = {}): Promise<Response> {
      const refusal = urlRefusal(url, policy);
      if (refusal) throw new EgressRefusedError(new URL(url).hostname, refusal);
      try {
        return await fetch(url, { ...init, redirect: "manual", dispatcher: agent });
      } catch (err) {
        // undici wraps the lookup's error in a TypeError("fetch failed"): give the refusal back as itself.
        const cause = (err as { cause?: unknown }).cause;
        throw cause instanceof EgressRefusedError ? cause : err;
      }
    },
    close: () => agent.close(),
  };
}
