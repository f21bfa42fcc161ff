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

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
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
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
