import { ApiKey, ApiKeyWithSecret } from "@gateway/contracts";
import { ADMIN_KEY } from "./start-test-edge.ts";

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
