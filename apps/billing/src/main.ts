import { once } from "node:events";
import { loadGatewayConfig } from "@gateway/config";
import { expressServer } from "@gateway/http";
import { createLogger, createRegistry } from "@gateway/observability";
import { createRedis } from "@gateway/queue";
import { openBillingDatabase } from "./billing-database.ts";
import { createBilling } from "./create-billing.ts";
import { readEnv } from "./env.ts";

const env = readEnv();
const logger = createLogger({ service: "billing", level: env.LOG_LEVEL });
const database = openBillingDatabase(env.BILLING_DATABASE_URL);
const redis = createRedis(env.REDIS_URL, "blocking");

const registry = createRegistry("billing");
const billing = createBilling({
  ...database,
  redis,
  gateway: loadGatewayConfig(env),
  registry,
  logger,
  queuePrefix: env.QUEUE_PREFIX,
  batchSize: env.USAGE_BATCH_SIZE,
  batchWindowMs: env.USAGE_BATCH_WINDOW_MS,
  usageClaimIdleMs: env.USAGE_CLAIM_IDLE_MS,
  internalToken: env.BILLING_INTERNAL_TOKEN,
  consumerName: env.BILLING_ID,
  claimIdleMs: env.DELIVERY_CLAIM_IDLE_MS,
});
const server = expressServer(billing.app).listen(env.PORT, env.HOST);
await once(server, "listening");
const address = server.address();
const port = typeof address === "object" && address ? address.port : env.PORT;
logger.info({ url: `http://${env.HOST}:${port}` }, "billing listening");
// The logger buffers; whoever started the process should see the URL now, not 4 KB later.
logger.flush();

// A drain that hangs (a stuck query, an unreachable Redis) must not keep a terminated pod alive.
const SHUTDOWN_TIMEOUT_MS = 30_000;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  setTimeout(() => {
    logger.error("shutdown timed out");
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  billing.stopAccepting();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  // Usage events and deliveries in hand are written and acknowledged; what is not written yet
  // stays pending, for the next process to claim.
  billing.sweep.stop();
  await Promise.all([billing.usage.close(), billing.deliveries.close()]);
  await database.close();
  await redis.quit();
  logger.info("stopped");
  logger.flush();
  process.exit(0);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    });
  });
}
