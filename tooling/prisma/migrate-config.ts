/**
 * The Prisma CLI's configuration for the apps that own a database (edge, billing): migrations run
 * through the pg driver adapter with the JS engine, which needs no engine download (these machines
 * are offline; see STACK.md). Each app's prisma.config.ts names its own database variable.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { defineConfig } from "prisma/config";

// Postgres `name` (19) and `"char"` (18) columns, which migrate reads from the catalogs, are not
// deserialisable by the adapter (prisma/orm#27403); as text (25) they are.
const AS_TEXT = new Set([18, 19]);
const TEXT_OID = 25;

function asText(result: unknown): unknown {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (AS_TEXT.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

// Overriding `query` on the client works for both the pool's callback calls and the adapter's
// promise calls; overriding Pool.query would miss transactions.
class MigrateClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args.at(-1);
    if (typeof last === "function") {
      const callback = last as (err: Error | null, res: unknown) => void;
      args[args.length - 1] = (err: Error | null, res: unknown) => callback(err, err ? res : asText(res));
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return (out instanceof Promise ? out.then(asText) : out) as never;
  }
}

export const migrateConfig = (databaseUrlVariable: string) =>
  defineConfig({
    schema: "prisma/schema.prisma",
    migrations: { path: "prisma/migrations" },
    experimental: { adapter: true },
    engine: "js",
    async adapter() {
      const url = new URL(process.env[databaseUrlVariable] ?? "");
      // Separate fields, not a connectionString: otherwise the shadow database's name override is
      // ignored and migrate dev diffs against the main database (P3006).
      return new PrismaPg({
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.slice(1)),
        Client: MigrateClient,
        // The adapter drops the shadow database before closing its pool: idle connections must be
        // gone by then or the DROP fails with "being accessed by other users".
        idleTimeoutMillis: 1,
      });
    },
  });
