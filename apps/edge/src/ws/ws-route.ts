import { AppError } from "@gateway/http";
import { Router } from "express";
import { WS_PATH } from "./ws-server.ts";

/**
 * A WebSocket upgrade of `/v1/ws` never reaches Express (the HTTP server's `upgrade` event takes
 * it); a plain request does, and learns what to send instead of a 404 or 405.
 */
export function wsRoute(): Router {
  const router = Router();
  router.get(WS_PATH, () => {
    throw new AppError("upgrade_required", `${WS_PATH} speaks WebSocket: send GET with Connection: Upgrade and Upgrade: websocket`, {
      headers: { upgrade: "websocket" },
    });
  });
  return router;
}
