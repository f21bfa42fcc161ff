import pg from "pg";
import { adminUrl } from "./env.ts";

// Database names are interpolated into DDL (identifiers cannot be bound parameters), so only
// names from this alphabet are ever accepted.
const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertDatabaseName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new Error(`unsafe database name ${JSON.stringify(name)}: use [a-z0-9_], at most 63 characters`);
  return `"${name}"`;
}

/** The admin URL pointed at another database, keeping its credentials and options. */
export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` on a short-lived admin connection: DDL such as CREATE DATABASE cannot run in a pool's transaction anyway. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops a database even while clients are still connected to it (Postgres 13+). */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  const ident = assertDatabaseName(name);
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (!rowCount) return;
  // A template database cannot be dropped until it stops being one.
  await client.query(`ALTER DATABASE ${ident} WITH IS_TEMPLATE false`);
  await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
}
