import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Guards the internal API with a shared secret. */
export function requireBearerToken(token: string): RequestHandler {
  // Comparing fixed-length digests in constant time leaks neither the token nor its length.
  const expected = digest(token);
  return (req, _res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get("authorization") ?? "");
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new AppError("invalid_api_key", "missing or invalid internal token");
    }
    next();
  };
}
