import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../processes.ts";

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server at once (SIGKILL): what is not yet on disk is lost, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory (the AOF is replayed). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** AOF fsync policy: "always" loses nothing acknowledged, "everysec" up to a second (production's usual). */
  appendfsync?: "always" | "everysec";
}

/**
 * A Redis server of a test's own (redis-server is on every machine), on a free port with its own
 * data directory and AOF persistence: the test that breaks Redis breaks only this one.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gw-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    options.appendfsync ?? "always",
    "--save",
    "",
    // BullMQ needs noeviction: an evicted job key is a lost job.
    "--maxmemory-policy",
    "noeviction",
  ];
  const start = async () => {
    child = spawn("redis-server", args, { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        // The AOF must be loaded before the server counts as up.
        if ((await probe.ping()) === "PONG") return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        probe.disconnect();
      }
    }
  };
  const exited = (c: ChildProcess) =>
    new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once("exit", () => resolve())));
  await start();
  return {
    url,
    port,
    start,
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop() {
      if (child) {
        child.kill("SIGTERM");
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
