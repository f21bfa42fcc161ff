import { assertDatabaseName, databaseUrl, dropDatabase, withAdmin } from "./admin.ts";

export interface TemplateDatabase {
  name: string;
  url: string;
  /** Drops the template and every test database cloned from it. */
  drop(): Promise<void>;
}

/**
 * (Re)creates `name` as an empty database, migrates it once through `migrate`, then freezes it as
 * a template that test databases are cloned from in milliseconds. Call from a vitest globalSetup.
 */
export async function prepareTemplate(name: string, migrate: (url: string) => Promise<void>): Promise<TemplateDatabase> {
  const ident = assertDatabaseName(name);
  // Clones are named `${template}_<12 hex>`, so the template name must leave room for that suffix.
  if (name.length > 50) throw new Error(`template name ${name} is longer than 50 characters`);
  await withAdmin(async (client) => {
    await dropDatabase(client, name);
    await client.query(`CREATE DATABASE ${ident}`);
  });
  const url = databaseUrl(name);
  await migrate(url);
  await withAdmin(async (client) => {
    // Postgres refuses to clone a database that has sessions, and migration tools can leave some
    // behind (Prisma's engine lingers after it finished): forbid new ones, end the old ones.
    await client.query(`ALTER DATABASE ${ident} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true`);
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
  });
  return {
    name,
    url,
    drop: () =>
      withAdmin(async (client) => {
        const clones = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ $1", [
          `^${name}_[0-9a-f]{12}$`,
        ]);
        for (const { datname } of clones.rows) await dropDatabase(client, datname);
        await dropDatabase(client, name);
      }),
  };
}
