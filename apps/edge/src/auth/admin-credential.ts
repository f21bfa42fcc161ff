import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { AuthMetrics } from "./auth-metrics.ts";
import { bearerToken, invalidCredential, type Authenticator } from "./authenticator.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Constant-time check of the admin credential; always false while none is configured. */
export function adminCheck(adminKey: string | undefined): (token: string | undefined) => boolean {
  // Fixed-length digests compared in constant time leak neither the credential nor its length.
  const expected = adminKey ? digest(adminKey) : undefined;
  return (token) => expected !== undefined && token !== undefined && timingSafeEqual(digest(token), expected);
}

/** Guards /v1/admin/…: the admin credential from configuration, nothing else. */
export function requireAdmin(isAdmin: (token: string | undefined) => boolean, metrics: AuthMetrics): RequestHandler {
  return (req, res, next) => {
    if (!isAdmin(bearerToken(req.headers.authorization))) {
      metrics.failures.inc({ reason: "admin" });
      throw invalidCredential();
    }
    res.locals.admin = true;
    next();
  };
}

/** For routes both a tenant and an admin may call (usage): the admin credential, else a tenant credential. */
export function authenticateTenantOrAdmin(isAdmin: (token: string | undefined) => boolean, auth: Authenticator): RequestHandler {
  return async (req, res, next) => {
    if (isAdmin(bearerToken(req.headers.authorization))) {
      res.locals.admin = true;
    } else {
      const principal = await auth(req.headers.authorization, req.ip);
      res.locals.principal = principal;
      res.locals.caller = principal.caller;
    }
    next();
  };
}
