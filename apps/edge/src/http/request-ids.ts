import { randomUUID } from "node:crypto";
import type { Response } from "express";

/** The gateway's own request ids: 128 random bits, never a bare integer, never a ':' (BullMQ job ids). */
export const newRequestId = () => `req_${randomUUID().replaceAll("-", "")}`;

/** Who a job is for, by id: the server's id (the key of everything), and the client's label for it. */
export interface RequestIds {
  requestId: string;
  clientRequestId?: string | undefined;
}

export const requestIdsOf = (res: Response): RequestIds => ({
  requestId: res.locals.requestId,
  clientRequestId: res.locals.clientRequestId,
});
