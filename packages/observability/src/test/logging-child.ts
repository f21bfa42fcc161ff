import { writeSync } from "node:fs";
import { droppedLogLines } from "../dropped-log-lines.ts";
import { createLogger } from "../logger.ts";
import { createRegistry } from "../metrics-registry.ts";

/**
 * A process that logs to stdout as a service does, for closed-stdout.test.ts: LINES_PER_TICK
 * lines every 10 ms, a tick count and its metrics over IPC, and on SIGTERM one last line and
 * `process.exit`, as a service's shutdown does.
 */
const logger = createLogger({ service: "logging-child" });
const registry = createRegistry("logging-child");
const linesPerTick = Number(process.argv[2] ?? "1");
let ticks = 0;

setInterval(() => {
  ticks++;
  for (let i = 0; i < linesPerTick; i++) logger.info({ ticks, i }, "a line of about a hundred bytes, like an access log line");
}, 10);

process.on("message", (message) => {
  if (message === "report") void registry.metrics().then((metrics) => process.send!({ ticks, metrics }));
});

process.on("SIGTERM", () => {
  logger.info("shutting down");
  process.exit(0);
});

// Runs after the logger's own exit hook: what it dropped while exiting, where the test reads it.
process.on("exit", () => writeSync(2, `dropped ${JSON.stringify(droppedLogLines())}\n`));
