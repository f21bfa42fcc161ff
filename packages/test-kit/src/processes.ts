import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends a signal and waits for the exit; resolves with the exit code (null if killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  name: string;
  /** The app's folder; `entry` (default src/main.ts) runs from TypeScript sources under tsx. */
  cwd: string;
  entry?: string;
  /**
   * Runs the built `dist/main.js` (or `entry`, a built file) as production does (`node
   * --enable-source-maps`, workspace packages from their dist): for measurements, where tsx's
   * loader and its helpers around every function would be counted. The caller builds first.
   */
  built?: boolean;
  args?: string[];
  /** Extra flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  env: Record<string, string>;
  /** Polled until it answers 2xx. */
  readyUrl?: string;
  readyTimeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (closed again before returning: a tiny race we accept in tests). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Starts one of the gateway's services as a real process, the way production runs it. */
export async function startService(options: StartOptions): Promise<ServiceProcess> {
  const run = options.built
    ? ["--enable-source-maps", options.entry ?? "dist/main.js"]
    : ["--conditions=development", "--import", "tsx", options.entry ?? "src/main.ts"];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...run, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (data: Buffer) => {
    output = (output + data.toString()).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const service: ServiceProcess = {
    name: options.name,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };

  if (options.readyUrl) {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode}:\n${output}`);
      try {
        const res = await fetch(options.readyUrl);
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await service.stop("SIGKILL");
        throw new Error(`${options.name} not ready at ${options.readyUrl} in time:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return service;
}
