import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "@gateway/test-kit/processes";
import type { Backends } from "../backends.ts";
import { answers, startChild } from "../child.ts";
import { CHAT_PATH, JSON_HEADERS, type Endpoint, type Target } from "./target.ts";

/** The package's `bin` (a bundled Hono app on @hono/node-server); it has no `exports` of its own. */
const serverScript = join(dirname(createRequire(import.meta.url).resolve("@portkey-ai/gateway/package.json")), "build/start-server.js");

/**
 * Portkey's open-source gateway, routed per request by its headers: provider "openai" with a custom
 * host (loopback is on its default list of trusted custom hosts), no config, cache or retries.
 */
export async function startPortkey(backends: Backends): Promise<Target | string> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let child;
  try {
    // --headless and production: no log console UI, no in-memory log stream kept per request.
    child = await startChild("portkey", process.execPath, [serverScript, `--port=${port}`, "--headless"], {
      env: { NODE_ENV: "production" },
      ready: answers(`${origin}/`),
    });
  } catch (err) {
    return `Portkey: did not start (${(err as Error).message.split("\n")[0]})`;
  }
  const endpoint = (backend: string): Endpoint => ({
    url: `${origin}${CHAT_PATH}`,
    headers: {
      ...JSON_HEADERS,
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${backend}/v1`,
      // Forwarded as the provider's key; the simulator asks for none.
      authorization: "Bearer sk-bench",
    },
    model: "x",
  });
  return { name: "Portkey", fast: endpoint(backends.fast), paced: endpoint(backends.paced), pids: [child.pid], stop: child.stop };
}
