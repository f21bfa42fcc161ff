import type { Server } from "node:http";
import { WebSocketServer } from "ws";
import { WsSession, type WsDeps } from "./ws-session.ts";

export const WS_PATH = "/v1/ws";
/** As the HTTP body limit's default: a chat request is no larger over a socket. */
const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * `/v1/ws` on the edge's HTTP server. Returns the function that closes every socket (their
 * running requests are cancelled) for the shutdown.
 */
export function attachWebSocket(server: Server, deps: WsDeps): () => Promise<void> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://edge").pathname !== WS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => new WsSession(ws, deps, req.headers.authorization, req.socket.remoteAddress));
  });
  return () =>
    new Promise((resolve) => {
      for (const client of wss.clients) client.close(1001, "server shutting down");
      wss.close(() => resolve());
    });
}
