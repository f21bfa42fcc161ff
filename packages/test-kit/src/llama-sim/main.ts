import { loadSimConfig, USAGE } from "./env.ts";
import { startLlamaSim } from "./start-llama-sim.ts";

let config;
try {
  config = loadSimConfig();
} catch (error) {
  console.error(`llama-sim: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (config.help) {
  console.log(USAGE);
  process.exit(0);
}

const { help: _help, ...options } = config;
const sim = await startLlamaSim({ port: 8080, ...options });
// Says SIMULATED loudly: a demo answering from this must never pass for a real model.
console.log(`llama-sim (SIMULATED llama-server, demo backend) listening on ${sim.url}`);

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  console.log(`llama-sim: ${signal}, closing`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("llama-sim: close failed", error);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
