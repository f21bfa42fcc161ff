import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminUrl, createTestDatabase, prepareTemplate, type TemplateDatabase } from "./index.ts";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

let template: TemplateDatabase;
let leaked: pg.Client;

beforeAll(async () => {
  template = await prepareTemplate(`testkit_pg_${process.pid}`, async (url) => {
    await query(url, "CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)");
    // Like Prisma's lingering engine: a session still open when migrate returns.
    leaked = new pg.Client({ connectionString: url });
    leaked.on("error", () => {});
    await leaked.connect();
  });
});

afterAll(async () => {
  await leaked.end().catch(() => {});
  await template.drop();
});

describe("postgres test databases", () => {
  it("when a migration left a session open, then the template can still be cloned", async () => {
    const db = await createTestDatabase(template.name);
    expect(await query(db.url, "SELECT id FROM items")).toEqual([{ id: 1 }]);
    await db.drop();
  });

  it("when two tests write to their own databases, then neither sees the other's rows", async () => {
    const [a, b] = await Promise.all([createTestDatabase(template.name), createTestDatabase(template.name)]);
    await query(a.url, "INSERT INTO items VALUES (2)");
    expect(await query(b.url, "SELECT id FROM items ORDER BY id")).toEqual([{ id: 1 }]);
    await Promise.all([a.drop(), b.drop()]);
  });

  it("when a test database is dropped with a client still connected, then it is gone", async () => {
    const db = await createTestDatabase(template.name);
    const client = new pg.Client({ connectionString: db.url });
    client.on("error", () => {});
    await client.connect();
    await db.drop();
    const rows = await query(adminUrl(), `SELECT 1 FROM pg_database WHERE datname = '${db.name}'`);
    expect(rows).toEqual([]);
    await client.end().catch(() => {});
  });

  it("when the template name is not a plain identifier, then it is refused before any SQL runs", async () => {
    await expect(createTestDatabase('x"; DROP DATABASE postgres; --')).rejects.toThrow(/unsafe database name/);
  });
});
