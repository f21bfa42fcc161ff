import { once } from "node:events";
import { createLogger, createRegistry } from "@gateway/observability";
import { readEnv } from "./env.ts";
import { createHttpServer } from "./http-server.ts";
import { startWorker } from "./start-worker.ts";

const env = readEnv();
const logger = createLogger({ service: "worker", level: env.LOG_LEVEL, logContent: env.LOG_CONTENT });
const registry = createRegistry("worker");

const running = await startWorker({ env, logger, registry });
const server = createHttpServer({ registry, logger, accepting: running.accepting, checks: running.readiness });
server.listen(env.PORT, env.HOST);
await once(server, "listening");
logger.info({ host: env.HOST, port: env.PORT }, "worker http listening");

// Jobs get SHUTDOWN_TIMEOUT_MS, then are aborted; a close that still hangs (an unreachable Redis)
// must not keep a terminated worker alive.
const HARD_TIMEOUT_MS = env.SHUTDOWN_TIMEOUT_MS + 5_000;
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  setTimeout(() => {
    logger.error({ timeout_ms: HARD_TIMEOUT_MS }, "shutdown timed out");
    process.exit(1);
  }, HARD_TIMEOUT_MS).unref();
  try {
    await running.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.flush();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, "shutdown failed");
    logger.flush();
    process.exit(1);
  }
};
// Once each, as in billing: another signal during the drain (the quick start's SIGTERM after the
// terminal's SIGINT) lets it go on; the same one again (Ctrl-C twice) ends the process at once.
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
