import { randomBytes } from "node:crypto";
import { assertDatabaseName, databaseUrl, dropDatabase, withAdmin } from "./admin.ts";

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database of the test's own, cloned from a template made by prepareTemplate. */
export async function createTestDatabase(template: string): Promise<TestDatabase> {
  const name = `${template}_${randomBytes(6).toString("hex")}`;
  const ident = assertDatabaseName(name);
  await withAdmin((client) => client.query(`CREATE DATABASE ${ident} TEMPLATE ${assertDatabaseName(template)}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((client) => dropDatabase(client, name)),
  };
}
