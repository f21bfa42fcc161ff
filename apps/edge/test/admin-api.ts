import { ApiKey, ApiKeyWithSecret } from "@gateway/contracts";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { ADMIN_KEY, startTestEdge, type TestEdge } from "./start-test-edge.ts";

/** Calls the admin API of an edge with the admin credential (or another one). */
export function adminApi(baseUrl: string, credential = ADMIN_KEY) {
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, ...(body !== undefined && { "content-type": "application/json" }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  return {
    call,
    async create(fields: Record<string, unknown>): Promise<ApiKeyWithSecret> {
      const res = await call("POST", "/v1/admin/keys", { name: "k", tier: "free", tenant_id: "tenant-a", ...fields });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
      return ApiKeyWithSecret.parse(await res.json());
    },
    async rotate(id: string, graceSeconds?: number): Promise<ApiKeyWithSecret> {
      const res = await call("POST", `/v1/admin/keys/${id}/rotate`, graceSeconds === undefined ? {} : { grace_seconds: graceSeconds });
      if (res.status !== 200) throw new Error(`rotate: ${res.status} ${await res.text()}`);
      return ApiKeyWithSecret.parse(await res.json());
    },
    async revoke(id: string): Promise<ApiKey> {
      const res = await call("POST", `/v1/admin/keys/${id}/revoke`);
      if (res.status !== 200) throw new Error(`revoke: ${res.status} ${await res.text()}`);
      return ApiKey.parse(await res.json());
    },
  };
}

/** GET /v1/keys with a tenant credential: 200 proves the credential works, without needing a worker. */
export const whoAmI = (baseUrl: string, secret: string) => fetch(`${baseUrl}/v1/keys`, { headers: { authorization: `Bearer ${secret}` } });

/**
 * One edge for a whole test file, with its admin API and a client of its database: registers its
 * own beforeAll and afterAll; the fields are set once beforeAll has run.
 */
export function useAdminEdge(overrides: Record<string, string> = {}) {
  const fx = {} as { edge: TestEdge; admin: ReturnType<typeof adminApi>; db: pg.Client };
  beforeAll(async () => {
    fx.edge = await startTestEdge(overrides);
    fx.admin = adminApi(fx.edge.url);
    fx.db = new pg.Client({ connectionString: fx.edge.databaseUrl });
    await fx.db.connect();
  });
  afterAll(async () => {
    await fx.db?.end();
    await fx.edge?.close();
  });
  return fx;
}
