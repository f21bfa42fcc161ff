import { connect } from "node:net";
import { freePort } from "@gateway/test-kit/processes";
import { startChild, type Child } from "./child.ts";

const pong = (port: number) => () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      resolve(data.toString().startsWith("+PONG"));
      socket.destroy();
    });
    socket.once("error", () => resolve(false));
  });

/**
 * A Redis of the bench's own, without persistence like the machine's: its CPU is then the gateway's
 * alone, not that of whatever else uses the shared one.
 */
export async function startRedis(): Promise<Child & { url: string }> {
  const port = await freePort();
  const child = await startChild(
    "redis-server",
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
    { ready: pong(port) },
  );
  return { ...child, url: `redis://127.0.0.1:${port}` };
}
