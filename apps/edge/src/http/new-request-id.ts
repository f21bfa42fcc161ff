import { randomUUID } from "node:crypto";

/** The gateway's own request ids: 128 random bits, never a bare integer, never a ':' (BullMQ job ids). */
export const newRequestId = () => `req_${randomUUID().replaceAll("-", "")}`;
