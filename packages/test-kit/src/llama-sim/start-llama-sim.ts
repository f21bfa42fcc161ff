import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestHandler } from "./handle-request.ts";
import { createContext, resolveConfig, zeroTotals } from "./sim-context.ts";
import { createFaults } from "./sim-faults.ts";
import type { LlamaSim, LlamaSimOptions } from "./types.ts";

/** Clients cannot dial a wildcard address; they reach it on loopback. */
function dialHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts a simulated llama-server and resolves once it listens (port 0 picks a free one). */
export async function startLlamaSim(options: LlamaSimOptions = {}): Promise<LlamaSim> {
  const config = resolveConfig(options);
  const ctx = createContext(config);
  let port = config.port;

  // The real server's keep-alive is `timeout=5, max=100`: pooled clients must cope with both.
  const server = createServer({ keepAliveTimeout: 5_000 });
  server.maxRequestsPerSocket = 100;

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, config.host, () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        if (config.loadingMs > 0) ctx.faults.loadingUntil = Date.now() + config.loadingMs;
        resolve();
      });
    });

  /** Like a crash: every open connection is destroyed, so in-flight generations end as aborted. */
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  // A restarted llama-server counts from 0 again: its /metrics counters are the new process's.
  const revive = (): Promise<void> => {
    if (server.listening) return Promise.resolve();
    Object.assign(ctx.totals, zeroTotals());
    return listen();
  };
  const faults = createFaults(ctx, stop, revive);
  server.on("request", createRequestHandler(ctx, faults));
  await listen();

  return {
    get url() {
      return `http://${dialHost(config.host)}:${port}`;
    },
    get port() {
      return port;
    },
    stats: ctx.stats,
    faults,
    onRequestEnd(listener) {
      ctx.endListeners.add(listener);
      return () => {
        ctx.endListeners.delete(listener);
      };
    },
    close: stop,
  };
}
