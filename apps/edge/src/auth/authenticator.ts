import { AppError } from "@gateway/http";
import type { Logger } from "@gateway/observability";
import type { KeyCache } from "../keys/key-cache.ts";
import type { UnknownKeyThrottle } from "./unknown-key-throttle.ts";
import { hashSecret } from "../keys/key-secret.ts";
import type { LastUsedTracker } from "../keys/last-used-tracker.ts";
import type { AuthFailure, AuthMetrics } from "./auth-metrics.ts";
import { looksLikeJwt, type JwtVerifier } from "./jwt-verifier.ts";
import type { Principal } from "./principal.ts";

const BEARER = /^Bearer ([\x21-\x7e]{1,4096})$/;

/** One message for every way a credential can be wrong: nothing to learn from the difference. */
export const invalidCredential = () =>
  new AppError("invalid_api_key", "missing or invalid API key: send Authorization: Bearer <key>", {
    headers: { "www-authenticate": 'Bearer realm="gateway"' },
  });

export const bearerToken = (authorization: string | undefined): string | undefined => BEARER.exec(authorization ?? "")?.[1];

export interface AuthenticatorDeps {
  keys: KeyCache;
  /** Unknown keys per client address; the address is optional (a WebSocket auth message has one too). */
  throttle: UnknownKeyThrottle;
  lastUsed: LastUsedTracker;
  jwt: JwtVerifier | undefined;
  metrics: AuthMetrics;
  logger: Logger;
  now?: () => number;
}

export type Authenticator = (authorization: string | undefined, clientAddress?: string) => Promise<Principal>;

/** Bearer API key (through the key cache) or, when configured, a bearer JWT; 401 otherwise. */
export function createAuthenticator({ keys, throttle, lastUsed, jwt, metrics, logger, now = Date.now }: AuthenticatorDeps): Authenticator {
  const fail = (reason: AuthFailure) => {
    metrics.failures.inc({ reason });
    return invalidCredential();
  };
  return async (authorization, clientAddress) => {
    if (!authorization) throw fail("missing");
    const token = bearerToken(authorization);
    if (!token) throw fail("malformed");
    if (jwt && looksLikeJwt(token)) {
      const principal = await jwt(token);
      if (!principal) throw fail("invalid_token");
      return principal;
    }
    const hash = hashSecret(token);
    if (clientAddress !== undefined && !keys.has(hash)) {
      await throttle.check(clientAddress).catch((err: unknown) => {
        metrics.failures.inc({ reason: "throttled" });
        throw err;
      });
    }
    const match = await keys.get(hash).catch((err: unknown) => {
      logger.error({ err }, "key store lookup failed");
      // Never a 401 here: a client told its valid key is wrong would drop it.
      throw new AppError("database_unavailable", "this API key cannot be checked right now (the key store is unreachable); retry", {
        retryAfter: 5,
      });
    });
    if (!match) {
      if (clientAddress !== undefined) throttle.strike(clientAddress);
      throw fail("unknown");
    }
    const { key, secretExpiresAt } = match;
    if (key.revokedAt) throw fail("revoked");
    const t = now();
    // Checked on every request, not when cached: an expiry takes effect to the millisecond.
    if ((key.expiresAt && key.expiresAt.getTime() <= t) || (secretExpiresAt && secretExpiresAt.getTime() <= t)) throw fail("expired");
    lastUsed.touch(key.id);
    return {
      caller: { tenant_id: key.tenantId, key_id: key.id, tier: key.tier },
      allowedModels: key.allowedModels.length > 0 ? key.allowedModels : null,
      source: "key",
    };
  };
}
