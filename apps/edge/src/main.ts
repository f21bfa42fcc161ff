import closeWithGrace from "close-with-grace";
import { readEnv } from "./env.ts";
import { startEdge } from "./start-edge.ts";

const env = readEnv();
const edge = await startEdge(env);
edge.logger.info({ url: edge.url, edge_id: env.EDGE_ID, models: env.gateway.models.map((m) => m.id) }, "edge listening");

closeWithGrace({ delay: env.SHUTDOWN_DELAY_MS + env.SHUTDOWN_GRACE_MS + 5_000 }, async ({ signal, err }) => {
  if (err) edge.logger.error({ err }, "shutting down after an error");
  else edge.logger.info({ signal }, "shutting down");
  await edge.close();
  edge.logger.flush();
});
