import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import "./locals.ts";

export interface RequestIdOptions {
  /**
   * Incoming `x-request-id` values kept instead of replaced; absent, none is. Whatever passes ends
   * up in logs and headers (and at the edge in job ids), so the pattern bounds length and characters.
   */
  trusted?: RegExp;
  /** A new id for every other request. */
  generate?: () => string;
}

/** Gives every request an id (res.locals.requestId) and every response its `x-request-id`. */
export function requestId({ trusted, generate = randomUUID }: RequestIdOptions = {}): RequestHandler {
  return (req, res, next) => {
    const given = req.get("x-request-id");
    const fromClient = given !== undefined && trusted !== undefined && trusted.test(given);
    const id = fromClient ? given : generate();
    res.locals.requestId = id;
    res.locals.requestIdFromClient = fromClient;
    res.setHeader("x-request-id", id);
    next();
  };
}
