import { spawn, type ChildProcess } from "node:child_process";

export interface Child {
  readonly name: string;
  readonly pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL if it is still there after 5 s. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Polled until it resolves true. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));

/** A process that is not one of the gateway's own services (nginx, Portkey, redis-server), started and waited for. */
export async function startChild(name: string, command: string, args: string[], options: ChildOptions): Promise<Child> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (data: Buffer) => {
    output = (output + data.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(timer);
  };
  child.once("error", (err) => keep(Buffer.from(`\n${err.message}`)));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`${name} exited (${child.exitCode}):\n${output}`);
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, pid: child.pid, output: () => output, stop };
}

/** True when a GET of `url` answers 2xx. */
export const answers = (url: string) => async () => (await fetch(url)).ok;
