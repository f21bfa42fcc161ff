import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import "./locals.ts";

export interface RequestIdOptions {
  /**
   * Incoming `x-request-id` values used as the request's id instead of a new one: only for an
   * internal service whose callers are the gateway's own (billing keeps the id the edge
   * forwards). Absent (the public edge), every request gets an id of the server's making.
   */
  trusted?: RegExp;
  /** A new id for every other request. */
  generate?: () => string;
  /**
   * Keep the caller's own `x-client-request-id` (OpenAI's header) or `x-request-id` as a
   * correlation label: logged, stored, echoed as `x-client-request-id`, never used as a key.
   */
  clientLabel?: boolean;
}

/** A label is text for logs and a database column: printable ASCII, bounded. */
const SANE_LABEL = /^[\x21-\x7e]{1,128}$/;

/** Gives every request an id (res.locals.requestId) and every response its `x-request-id`. */
export function requestId({ trusted, generate = randomUUID, clientLabel = false }: RequestIdOptions = {}): RequestHandler {
  return (req, res, next) => {
    const given = req.get("x-request-id");
    const id = given !== undefined && trusted?.test(given) ? given : generate();
    res.locals.requestId = id;
    res.setHeader("x-request-id", id);
    if (clientLabel) {
      const label = req.get("x-client-request-id") ?? given;
      if (label !== undefined && SANE_LABEL.test(label)) {
        res.locals.clientRequestId = label;
        res.setHeader("x-client-request-id", label);
      }
    }
    next();
  };
}
