import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

/**
 * A client-supplied id is echoed if it is sane: it becomes a BullMQ job id, which may not be
 * a bare integer or contain ':', and it ends up in logs.
 */
const SANE_ID = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9_.-]{7,127}$/;

export const newRequestId = () => `req_${randomUUID().replaceAll("-", "")}`;

export const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers["x-request-id"];
  const fromClient = typeof given === "string" && SANE_ID.test(given);
  const id = fromClient ? given : newRequestId();
  res.locals.requestId = id;
  res.locals.requestIdFromClient = fromClient;
  res.setHeader("x-request-id", id);
  next();
};
