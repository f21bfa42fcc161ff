import type { Logger, Registry } from "@gateway/observability";
import type { RequestHandler } from "express";
import { adminCheck, authenticateTenantOrAdmin, requireAdmin } from "../auth/admin-credential.ts";
import { authMetrics } from "../auth/auth-metrics.ts";
import { authenticate } from "../auth/authenticate.ts";
import { createAuthenticator } from "../auth/authenticator.ts";
import { createJwtVerifier } from "../auth/jwt-verifier.ts";
import { UnknownKeyThrottle } from "../auth/unknown-key-throttle.ts";
import type { EdgeEnv } from "../env.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { createKeyAdmin, type KeyAdmin } from "./key-admin.ts";
import { KeyCache } from "./key-cache.ts";
import { KeyChangeWatcher } from "./key-change-watcher.ts";
import { createKeyRepository, type KeyRepository } from "./key-repository.ts";
import { LastUsedTracker } from "./last-used-tracker.ts";

export interface KeyServices {
  repository: KeyRepository;
  admin: KeyAdmin;
  cache: KeyCache;
  /** Drops cached keys that changed anywhere (started and stopped with the edge). */
  changes: KeyChangeWatcher;
  lastUsed: LastUsedTracker;
  /** Tenant credential (API key or JWT) → res.locals.principal, or 401. */
  authenticate: RequestHandler;
  requireAdmin: RequestHandler;
  authenticateTenantOrAdmin: RequestHandler;
}

/** Keys, their cache and every way a request proves who it is, wired from the environment. */
export function createKeyServices(env: EdgeEnv, prisma: PrismaClient, registry: Registry, logger: Logger): KeyServices {
  const metrics = authMetrics(registry);
  const repository = createKeyRepository(prisma);
  const cache = new KeyCache((hash) => repository.findBySecretHash(hash), {
    ttlMs: env.KEY_CACHE_TTL_MS,
    staleMs: env.KEY_CACHE_STALE_MS,
    onLookup: (result) => metrics.keyCache.inc({ result }),
    onRefreshError: (err) => logger.warn({ err }, "background key refresh failed"),
  });
  const changes = new KeyChangeWatcher(prisma, cache, Math.max(500, Math.floor(env.KEY_CACHE_TTL_MS / 2)), logger);
  const lastUsed = new LastUsedTracker((batch) => repository.touch(batch), env.LAST_USED_FLUSH_MS, logger);
  const jwt = createJwtVerifier(
    {
      hs256Secret: env.JWT_HS256_SECRET,
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      tenantClaim: env.JWT_TENANT_CLAIM,
      tierClaim: env.JWT_TIER_CLAIM,
      defaultTier: env.JWT_DEFAULT_TIER,
    },
    env.gateway,
  );
  const throttle = new UnknownKeyThrottle(env.AUTH_FAILURES_PER_MINUTE);
  const authenticator = createAuthenticator({ keys: cache, throttle, lastUsed, jwt, metrics, logger });
  const isAdmin = adminCheck(env.ADMIN_API_KEY);
  return {
    repository,
    admin: createKeyAdmin(prisma, { config: env.gateway, rotationGraceS: env.KEY_ROTATION_GRACE_S }),
    cache,
    changes,
    lastUsed,
    authenticate: authenticate(authenticator),
    requireAdmin: requireAdmin(isAdmin, metrics),
    authenticateTenantOrAdmin: authenticateTenantOrAdmin(isAdmin, authenticator),
  };
}
