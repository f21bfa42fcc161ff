import { createHash } from "node:crypto";
import { idempotencyKey } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Request } from "express";
import type { Redis } from "ioredis";

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

/** The first request with a key, or a repeat of it (same body) naming the request that does the work. */
export type Claim = { repeat: false; release: () => Promise<void> } | { repeat: true; requestId: string };

/**
 * `Idempotency-Key`s, per tenant, for `ttlS` (24 h): the first request claims the key with its
 * body's fingerprint and its request id; a repeat with the same body is pointed at that request
 * (whose outcome is in its event log), one with another body is a 409.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    readonly ttlS: number,
  ) {}

  /** The header's key, or undefined; a malformed one is a 400. */
  keyOf(req: Request): string | undefined {
    const key = req.get("idempotency-key");
    if (key === undefined) return undefined;
    if (key.length < 1 || key.length > 255)
      throw new AppError("invalid_request", "Idempotency-Key must be 1 to 255 characters", { param: "Idempotency-Key" });
    return key;
  }

  async claim(tenantId: string, key: string, req: Request, requestId: string): Promise<Claim> {
    // Hashed: the key is the client's text, the fingerprint covers the route and the parsed body.
    const redisKey = idempotencyKey(this.namespace, tenantId, sha256(key));
    const fingerprint = sha256(`${req.method} ${req.path} ${JSON.stringify(req.body)}`);
    const mine = JSON.stringify({ fingerprint, request_id: requestId });
    const [[, set] = [], [, current] = []] =
      (await this.redis.multi().set(redisKey, mine, "EX", this.ttlS, "NX").get(redisKey).exec()) ?? [];
    if (set === "OK") return { repeat: false, release: async () => void (await this.redis.del(redisKey)) };
    const stored = JSON.parse(String(current)) as { fingerprint: string; request_id: string };
    if (stored.fingerprint !== fingerprint) {
      throw new AppError(
        "idempotency_conflict",
        "this Idempotency-Key was already used with a different request body; use a new key for a new request",
        { param: "Idempotency-Key" },
      );
    }
    return { repeat: true, requestId: stored.request_id };
  }
}

/** The request's claim on its Idempotency-Key, or undefined when it sent none. */
export async function claimIdempotency(
  store: IdempotencyStore,
  req: Request,
  tenantId: string,
  requestId: string,
): Promise<Claim | undefined> {
  const key = store.keyOf(req);
  return key === undefined ? undefined : store.claim(tenantId, key, req, requestId);
}
