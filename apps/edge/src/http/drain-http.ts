import type { Server } from "node:http";

const inFlight = new WeakMap<Server, { count: number; onIdle?: () => void }>();

/** Counts requests whose response has not closed yet (streams included). */
export function trackInFlight(server: Server): void {
  const state: { count: number; onIdle?: () => void } = { count: 0 };
  inFlight.set(server, state);
  server.on("request", (_req, res) => {
    state.count++;
    res.once("close", () => {
      if (--state.count === 0) state.onIdle?.();
    });
  });
}

/**
 * Stops accepting connections and waits until every in-flight request has finished (or the
 * grace period ends), then drops whatever connections remain: idle keep-alive sockets would
 * otherwise hold the process open until the client's own timeout.
 */
export async function drainHttp(server: Server, graceMs: number): Promise<void> {
  const state = inFlight.get(server);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (state && state.count > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      state.onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  server.closeAllConnections();
  await closed;
}
