import { createHash } from "node:crypto";
import type { Caller } from "@gateway/contracts";

export interface KeyStore {
  /** The caller a bearer token belongs to, or undefined for any token that is not a live key. */
  lookup(token: string): Caller | undefined;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Keys from configuration, held only as SHA-256 hashes. Looking up the hash of the presented
 * token leaks nothing about how close a guess was, unlike comparing secrets directly.
 */
export function configKeyStore(keys: ReadonlyArray<{ key: string; tenant_id: string; tier: string }>): KeyStore {
  const byHash = new Map<string, Caller>();
  for (const { key, tenant_id, tier } of keys) {
    const hash = sha256(key);
    byHash.set(hash, { tenant_id, tier, key_id: `key_${hash.slice(0, 12)}` });
  }
  return { lookup: (token) => byHash.get(sha256(token)) };
}
