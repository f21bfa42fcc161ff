import { createHash } from "node:crypto";
import { ApiKey, ApiKeyList, AuditList, ErrorEnvelope } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { adminApi, useAdminEdge, whoAmI } from "./admin-api.ts";
import { startTestEdge } from "./start-test-edge.ts";

const fx = useAdminEdge({ KEY_CACHE_TTL_MS: "200" });

describe("admin API", () => {
  it("when a key is created, then the secret is returned once, stored only as a hash with a visible prefix, and works", async () => {
    const key = await fx.admin.create({ tenant_id: "tenant-new", name: "ci", tier: "premium", allowed_models: ["test-model"] });
    expect(key.secret).toMatch(/^sk-gw-[0-9A-Za-z]{40}$/);
    expect(key).toMatchObject({
      object: "api_key",
      tenant_id: "tenant-new",
      name: "ci",
      tier: "premium",
      prefix: key.secret.slice(0, 12),
      allowed_models: ["test-model"],
    });

    const stored = JSON.stringify(
      (await fx.db.query("SELECT * FROM api_keys k JOIN api_key_secrets s ON s.key_id = k.id WHERE k.id = $1", [key.id])).rows,
    );
    expect(stored).not.toContain(key.secret);
    expect(stored).toContain(createHash("sha256").update(key.secret).digest("hex"));

    const fetched = await fx.admin.call("GET", `/v1/admin/keys/${key.id}`);
    const body = await fetched.json();
    expect(body).not.toHaveProperty("secret");
    expect(ApiKey.parse(body).id).toBe(key.id);
    expect((await whoAmI(fx.edge.url, key.secret)).status).toBe(200);
  });

  it("when keys are listed with a limit, then pages follow `after` until has_more is false, oldest first", async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await fx.admin.create({ tenant_id: "tenant-paged", name: `k${i}` }));
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await fx.admin.call("GET", `/v1/admin/keys?tenant_id=tenant-paged&limit=2${after ? `&after=${after}` : ""}`);
      const page = ApiKeyList.parse(await res.json());
      seen.push(...page.data.map((k) => k.id));
      after = page.has_more ? page.last_id : null;
      pages++;
    } while (after);
    expect(seen).toEqual(created.map((k) => k.id));
    expect(pages).toBe(3);
  });

  it("when a key's tier, models and expiry are updated, then the change is returned and audited with from/to", async () => {
    const key = await fx.admin.create({ tenant_id: "tenant-upd" });
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await fx.admin.call("PATCH", `/v1/admin/keys/${key.id}`, {
      tier: "enterprise",
      allowed_models: ["test-model"],
      expires_at: expires,
    });
    expect(res.status).toBe(200);
    expect(ApiKey.parse(await res.json())).toMatchObject({ tier: "enterprise", allowed_models: ["test-model"], expires_at: expires });

    const audit = AuditList.parse(await (await fx.admin.call("GET", `/v1/admin/audit?key_id=${key.id}`)).json());
    expect(audit.data.map((e) => e.action)).toEqual(["key.update", "key.create"]);
    expect(audit.data[0]).toMatchObject({
      actor: "admin-api",
      tenant_id: "tenant-upd",
      details: { tier: { from: "free", to: "enterprise" } },
    });
    expect(audit.data[0]?.request_id).toMatch(/^req_/);
    expect(JSON.stringify(audit)).not.toContain(key.secret);
  });

  it("when a key is rotated with a grace period, then both secrets work until it ends, and the new one after", async () => {
    const key = await fx.admin.create({ tenant_id: "tenant-rot" });
    const rotated = await fx.admin.rotate(key.id, 1);
    expect(rotated.secret).not.toBe(key.secret);
    expect(rotated.prefix).toBe(rotated.secret.slice(0, 12));
    expect((await whoAmI(fx.edge.url, key.secret)).status).toBe(200);
    expect((await whoAmI(fx.edge.url, rotated.secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await whoAmI(fx.edge.url, key.secret)).status).toBe(401);
    expect((await whoAmI(fx.edge.url, rotated.secret)).status).toBe(200);
  });

  it("when a key is revoked, then it stops working, revoking again is harmless, and it can no longer be changed", async () => {
    const key = await fx.admin.create({ tenant_id: "tenant-rev" });
    expect((await whoAmI(fx.edge.url, key.secret)).status).toBe(200);
    expect((await fx.admin.revoke(key.id)).revoked_at).not.toBeNull();
    expect((await fx.admin.revoke(key.id)).revoked_at).not.toBeNull();
    await new Promise((r) => setTimeout(r, 250));
    expect((await whoAmI(fx.edge.url, key.secret)).status).toBe(401);
    const patch = await fx.admin.call("PATCH", `/v1/admin/keys/${key.id}`, { tier: "premium" });
    expect(patch.status).toBe(400);
    const audit = AuditList.parse(await (await fx.admin.call("GET", `/v1/admin/audit?key_id=${key.id}`)).json());
    expect(audit.data.map((e) => e.action)).toEqual(["key.revoke", "key.revoke", "key.create"]);
  });

  it.each([
    ["an unknown tier", { tier: "gold" }, "tier"],
    ["an unknown model", { allowed_models: ["nope"] }, "allowed_models"],
    ["an expiry in the past", { expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
    ["a bad tenant id", { tenant_id: "has space" }, "tenant_id"],
  ])("when a key is created with %s, then 400 names the field", async (_name, fields, param) => {
    const res = await fx.admin.call("POST", "/v1/admin/keys", { name: "k", tier: "free", tenant_id: "t", ...fields });
    expect(res.status).toBe(400);
    expect(ErrorEnvelope.parse(await res.json()).error.param).toBe(param);
  });

  it("when a field is unknown, then 400 unknown_parameter", async () => {
    const res = await fx.admin.call("POST", "/v1/admin/keys", { name: "k", tier: "free", tenant_id: "t", secret: "mine" });
    expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code: "unknown_parameter", param: "secret" });
  });

  it("when the key does not exist, then 404; when the method is wrong, then 405", async () => {
    expect((await fx.admin.call("GET", "/v1/admin/keys/key_nope")).status).toBe(404);
    expect((await fx.admin.call("POST", "/v1/admin/keys/key_nope/revoke")).status).toBe(404);
    const res = await fx.admin.call("DELETE", "/v1/admin/keys/key_nope");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, PATCH");
  });

  it.each([
    ["no credential", ""],
    ["a tenant key", "sk-test-0123456789abcdef"],
    ["a wrong admin credential", "sk-admin-test-0123456789abcdef0123456780"],
  ])("when the admin API is called with %s, then 401", async (_name, credential) => {
    const res = await adminApi(fx.edge.url, credential).call("GET", "/v1/admin/keys");
    expect(res.status).toBe(401);
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("invalid_api_key");
  });

  it("when no admin credential is configured, then the admin API refuses everyone", async () => {
    const closed = await startTestEdge({ ADMIN_API_KEY: "" });
    try {
      for (const credential of ["", "sk-admin-test-0123456789abcdef0123456789"]) {
        expect((await adminApi(closed.url, credential).call("GET", "/v1/admin/keys")).status).toBe(401);
      }
    } finally {
      await closed.close();
    }
  });
});
