import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../processes.ts";

const run = promisify(execFile);

export interface PostgresCluster {
  port: number;
  /** A URL of a database on this cluster. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast`: connections are cut, new ones refused until `start`. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's binaries (Debian's layout). */
function binDir(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("no PostgreSQL under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/**
 * A PostgreSQL cluster of a test's own (initdb + pg_ctl in a temporary folder, as the postgres
 * user, on a free port): a test that stops the database stops only this one. Trust auth on
 * 127.0.0.1, fsync off (a test's data need not survive a machine crash).
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gw-pg-"));
  const data = join(dir, "data");
  chownSync(dir, uidOf("postgres"), gidOf("postgres"));
  const asPostgres = (command: string, args: string[]) => run("runuser", ["-u", "postgres", "--", join(bin, command), ...args]);
  await asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const startServer = async () => {
    await asPostgres("pg_ctl", ["start", "-w", "-D", data, "-l", join(dir, "log"), "-o", options]);
  };
  await startServer();
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/g, "")}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stopServer() {
      await asPostgres("pg_ctl", ["stop", "-w", "-m", "fast", "-D", data]);
    },
    startServer,
    async destroy() {
      await asPostgres("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", data]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const idOf = (flag: "-u" | "-g", user: string): number => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
const uidOf = (user: string) => idOf("-u", user);
const gidOf = (user: string) => idOf("-g", user);
