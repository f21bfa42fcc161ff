import { fileURLToPath } from "node:url";
import { freePort, startService, type ServiceProcess } from "@gateway/test-kit/processes";

export const root = fileURLToPath(new URL("../../", import.meta.url));

/** Tokens per answer and the pace of the streamed one, as in the reference table. */
export const TOKENS = 16;
export const INTER_TOKEN_MS = 10;

export interface Backends {
  /** No model time at all: what is measured is pure overhead. */
  fast: string;
  /** One token every INTER_TOKEN_MS, like a small real model. */
  paced: string;
  stop(): Promise<void>;
}

async function startSim(name: string, args: string[]): Promise<{ url: string; process: ServiceProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = await startService({
    name,
    cwd: `${root}packages/test-kit`,
    entry: "src/llama-sim/main.ts",
    args: ["--port", String(port), ...args],
    env: {},
    readyUrl: `${url}/health`,
  });
  return { url, process };
}

/** The two llama-server simulators every target sends to; 64 slots, so no cell waits for one. */
export async function startBackends(): Promise<Backends> {
  const common = ["--slots", "64", "--natural-tokens", String(TOKENS)];
  const fast = await startSim("sim-fast", common);
  const paced = await startSim("sim-paced", [...common, "--inter-token-ms", String(INTER_TOKEN_MS)]).catch(async (err: unknown) => {
    await fast.process.stop();
    throw err;
  });
  return {
    fast: fast.url,
    paced: paced.url,
    async stop() {
      await Promise.all([fast.process.stop(), paced.process.stop()]);
    },
  };
}
