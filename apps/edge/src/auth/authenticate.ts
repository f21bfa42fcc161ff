import type { RequestHandler } from "express";
import { AppError } from "../http/app-error.ts";
import type { KeyStore } from "./config-key-store.ts";

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** One message for a missing, malformed or unknown credential: nothing to learn from the difference. */
const rejected = () =>
  new AppError("invalid_api_key", "missing or invalid API key: send Authorization: Bearer <key>", {
    headers: { "www-authenticate": 'Bearer realm="gateway"' },
  });

export function authenticate(keys: KeyStore): RequestHandler {
  return (req, res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? "");
    const caller = match?.[1] ? keys.lookup(match[1]) : undefined;
    if (!caller) throw rejected();
    res.locals.caller = caller;
    next();
  };
}
