import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

// The edge forwards its own request id so one request can be followed across services; anything
// else (absent, oversized, odd characters) is replaced rather than echoed into logs and headers.
const FORWARDABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get("x-request-id");
  const id = incoming && FORWARDABLE.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader("x-request-id", id);
  next();
};
