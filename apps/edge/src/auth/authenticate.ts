import type { RequestHandler } from "express";
import type { Authenticator } from "./authenticator.ts";

/** Puts the caller on res.locals (`principal`, and `caller` for the job). */
export function authenticate(auth: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const principal = await auth(req.headers.authorization, req.ip);
    res.locals.principal = principal;
    res.locals.caller = principal.caller;
    next();
  };
}
