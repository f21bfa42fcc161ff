import { AuditList, ErrorEnvelope, WebhookSecret } from "@gateway/contracts";
import { deriveWebhookSecret } from "@gateway/webhooks";
import { describe, expect, it } from "vitest";
import { adminApi, useAdminEdge } from "./admin-api.ts";
import { startTestEdge, TEST_KEY } from "./start-test-edge.ts";

const MASTER_KEY = "edge-test-master-key-0123456789abcdef";

const fx = useAdminEdge({ WEBHOOK_MASTER_KEY: MASTER_KEY, KEY_ROTATION_GRACE_S: "120" });

const path = (tenant: string) => `/v1/admin/tenants/${tenant}/webhook-secret`;
const secretOf = async (res: Response, status: number) => {
  expect(res.status).toBe(status);
  return WebhookSecret.parse(await res.json());
};
const auditOf = async (tenant: string) =>
  AuditList.parse(await (await fx.admin.call("GET", "/v1/admin/audit?limit=100")).json()).data.filter((e) => e.tenant_id === tenant);

describe("admin API: a tenant's webhook signing secret", () => {
  it("when it is created, then version 1 is answered with the secret derived from the master key, and shown again the same", async () => {
    const created = await secretOf(await fx.admin.call("POST", path("hooks-a")), 201);
    expect(created).toMatchObject({
      object: "webhook_secret",
      tenant_id: "hooks-a",
      version: 1,
      secret: deriveWebhookSecret(MASTER_KEY, "hooks-a", 1),
      previous_version: null,
      previous_expires_at: null,
      rotated_at: null,
    });
    expect(await secretOf(await fx.admin.call("GET", path("hooks-a")), 200)).toEqual(created);

    // Only versions are stored, never a secret.
    const { rows } = await fx.db.query("SELECT * FROM webhook_signing_keys WHERE tenant_id = 'hooks-a'");
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.secret.slice(6));
    const audit = await auditOf("hooks-a");
    expect(audit).toEqual([
      expect.objectContaining({ action: "webhook_secret.create", actor: "admin-api", key_id: null, details: { version: 1 } }),
    ]);
    expect(audit[0]?.request_id).toMatch(/^req_/);
  });

  it("when it is rotated, then version 2 signs, version 1 stays valid for the grace (default KEY_ROTATION_GRACE_S), and both changes are audited", async () => {
    const first = await secretOf(await fx.admin.call("POST", path("hooks-b")), 201);
    const before = Date.now();
    const rotated = await secretOf(await fx.admin.call("POST", `${path("hooks-b")}/rotate`, {}), 200);
    expect(rotated).toMatchObject({ version: 2, previous_version: 1, secret: deriveWebhookSecret(MASTER_KEY, "hooks-b", 2) });
    expect(rotated.secret).not.toBe(first.secret);
    const until = Date.parse(rotated.previous_expires_at!);
    expect(until).toBeGreaterThanOrEqual(before + 119_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 121_000);
    expect(rotated.rotated_at).not.toBeNull();

    const again = await secretOf(await fx.admin.call("POST", `${path("hooks-b")}/rotate`, { grace_seconds: 0 }), 200);
    expect(again).toMatchObject({ version: 3, previous_version: 2 });
    expect(Date.parse(again.previous_expires_at!)).toBeLessThanOrEqual(Date.now());
    expect(await secretOf(await fx.admin.call("GET", path("hooks-b")), 200)).toEqual(again);

    const audit = await auditOf("hooks-b");
    expect(audit.map((e) => e.action)).toEqual(["webhook_secret.rotate", "webhook_secret.rotate", "webhook_secret.create"]);
    expect(audit[1]?.details).toMatchObject({ version: { from: 1, to: 2 }, grace_seconds: 120 });
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("when a tenant that has a secret gets another create, then 409 already_exists says to rotate, and nothing changes", async () => {
    const created = await secretOf(await fx.admin.call("POST", path("hooks-c")), 201);
    const res = await fx.admin.call("POST", path("hooks-c"));
    expect(res.status).toBe(409);
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error.code).toBe("already_exists");
    expect(error.message).toMatch(/already has a webhook secret \(version 1\).*rotate/);
    expect(await secretOf(await fx.admin.call("GET", path("hooks-c")), 200)).toEqual(created);
    expect((await auditOf("hooks-c")).map((e) => e.action)).toEqual(["webhook_secret.create"]);
  });

  it("when the tenant has no secret, then showing or rotating it is 404 saying how to create one", async () => {
    for (const [method, p, body] of [
      ["GET", path("hooks-none"), undefined],
      ["POST", `${path("hooks-none")}/rotate`, {}],
    ] as const) {
      const res = await fx.admin.call(method, p, body);
      expect(res.status).toBe(404);
      expect(ErrorEnvelope.parse(await res.json()).error.message).toMatch(
        /has no webhook secret.*webhook-secret create --tenant hooks-none/,
      );
    }
  });

  it("when the tenant id or the grace is malformed, then 400 names the field", async () => {
    const badTenant = await fx.admin.call("POST", path("has%20space"));
    expect(badTenant.status).toBe(400);
    expect(ErrorEnvelope.parse(await badTenant.json()).error.param).toBe("tenant_id");
    await fx.admin.call("POST", path("hooks-d"));
    for (const body of [{ grace_seconds: -1 }, { grace_seconds: 31 * 86_400 }, { grace: 5 }]) {
      const res = await fx.admin.call("POST", `${path("hooks-d")}/rotate`, body);
      expect(res.status).toBe(400);
      expect(ErrorEnvelope.parse(await res.json()).error.param).toMatch(/^grace/);
    }
  });

  it.each([
    ["no credential", ""],
    ["a tenant key", TEST_KEY],
  ])("when the webhook secret routes are called with %s, then 401 and nothing is made", async (_name, credential) => {
    const caller = adminApi(fx.edge.url, credential);
    for (const [method, p] of [
      ["POST", path("hooks-e")],
      ["GET", path("hooks-e")],
      ["POST", `${path("hooks-e")}/rotate`],
    ] as const) {
      const res = await caller.call(method, p, method === "POST" ? {} : undefined);
      expect(res.status).toBe(401);
      expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("invalid_api_key");
    }
    expect((await fx.db.query("SELECT 1 FROM webhook_signing_keys WHERE tenant_id = 'hooks-e'")).rows).toEqual([]);
  });

  it("when the edge has no WEBHOOK_MASTER_KEY, then the routes answer 503 saying webhooks are not configured", async () => {
    const bare = await startTestEdge();
    try {
      const res = await adminApi(bare.url).call("POST", path("hooks-f"));
      expect(res.status).toBe(503);
      expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({
        code: "backend_unavailable",
        message: expect.stringMatching(/webhooks are not configured on this gateway: set WEBHOOK_MASTER_KEY/),
      });
    } finally {
      await bare.close();
    }
  });
});
