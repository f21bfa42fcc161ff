import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ApiKey, ApiKeyWithSecret, WebhookSecret } from "@gateway/contracts";
import { createTestDatabase, type TestDatabase } from "@gateway/test-kit/postgres";
import { deriveWebhookSecret } from "@gateway/webhooks";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { hashSecret } from "../src/keys/key-secret.ts";

const appDir = fileURLToPath(new URL("..", import.meta.url));
let db: TestDatabase;
let client: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase(inject("edgeTemplate"));
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await db.drop();
});

/** Runs the CLI as operators do (`pnpm gateway …` runs exactly this), against the test's own database. */
async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--conditions=development", "--import", "tsx", "src/cli/main.ts", ...args],
      {
        cwd: appDir,
        env: { ...process.env, EDGE_DATABASE_URL: db.url, GATEWAY_CONFIG_FILE: "", LLAMA_SERVER_URLS: "", ...env },
      },
    );
    return { code: 0, stdout, stderr: "" };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pnpm gateway keys", () => {
  it("when an operator creates, rotates, lists and revokes a key, then each works and is audited as the operator", async () => {
    const created = await cli(["keys", "create", "--tier", "premium", "--name", "ci", "--tenant", "acme", "--json"]);
    expect(created.code).toBe(0);
    const key = ApiKeyWithSecret.parse(JSON.parse(created.stdout));
    expect(key).toMatchObject({ tier: "premium", name: "ci", tenant_id: "acme" });
    expect((await client.query("SELECT key_id FROM api_key_secrets WHERE hash = $1", [hashSecret(key.secret)])).rows).toEqual([
      { key_id: key.id },
    ]);

    const rotated = ApiKeyWithSecret.parse(JSON.parse((await cli(["keys", "rotate", key.id, "--grace", "60", "--json"])).stdout));
    expect(rotated.secret).not.toBe(key.secret);
    const listed = (await cli(["keys", "list", "--tenant", "acme", "--json"])).stdout
      .trim()
      .split("\n")
      .map((l) => ApiKey.parse(JSON.parse(l)));
    expect(listed.map((k) => k.id)).toEqual([key.id]);
    expect(ApiKey.parse(JSON.parse((await cli(["keys", "revoke", key.id, "--json"])).stdout)).revoked_at).not.toBeNull();

    const audit = await client.query("SELECT actor, action FROM audit_log WHERE key_id = $1 ORDER BY id", [key.id]);
    const actor = `cli:${userInfo().username}`;
    expect(audit.rows).toEqual([
      { actor, action: "key.create" },
      { actor, action: "key.rotate" },
      { actor, action: "key.revoke" },
    ]);
  });

  it("when the human output is used, then the secret is printed once with a warning", async () => {
    const { stdout } = await cli(["keys", "create", "--tier", "free", "--name", "human"]);
    expect(stdout).toMatch(/^secret: sk-gw-[0-9A-Za-z]{40}$/m);
    expect(stdout).toContain("shown this once");
  });

  it("when --if-missing finds a live key of that name, then no second key is made", async () => {
    const first = await cli(["keys", "create", "--tier", "free", "--name", "demo", "--tenant", "demo", "--if-missing"]);
    const second = await cli(["keys", "create", "--tier", "free", "--name", "demo", "--tenant", "demo", "--if-missing"]);
    expect(first.stdout).toContain("secret:");
    expect(second.stdout).toMatch(/^exists: /);
    expect((await client.query("SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = 'demo'")).rows[0].n).toBe(1);
  });

  it("when keys from the old GATEWAY_API_KEYS are imported, then they keep working with their old secrets", async () => {
    const { code } = await cli(["keys", "import"], { GATEWAY_API_KEYS: "sk-old-key-0123456789:old-tenant:free" });
    expect(code).toBe(0);
    const rows = await client.query(
      "SELECT k.tenant_id, k.tier, k.prefix FROM api_key_secrets s JOIN api_keys k ON k.id = s.key_id WHERE s.hash = $1",
      [hashSecret("sk-old-key-0123456789")],
    );
    expect(rows.rows).toEqual([{ tenant_id: "old-tenant", tier: "free", prefix: "sk-o" }]);
  });

  it.each([
    [["keys", "create", "--name", "x"], 2, /--tier is required/],
    [["keys", "create", "--name", "x", "--tier", "gold"], 1, /tier 'gold' is not configured/],
    [["keys", "revoke", "key_nope"], 2, /no API key key_nope/],
    [["keys", "frobnicate"], 2, /unknown command/],
  ])("when called as %j, then it exits %i with a message", async (args, code, message) => {
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});

describe("pnpm gateway webhook-secret", () => {
  const MASTER_KEY = "cli-test-master-key-0123456789abcdef";
  const withKey = { WEBHOOK_MASTER_KEY: MASTER_KEY, KEY_ROTATION_GRACE_S: "90" };

  it("when an operator creates, shows and rotates a tenant's secret, then each prints the derived secret and the changes are audited as the operator", async () => {
    const created = await cli(["webhook-secret", "create", "--tenant", "hooks-cli", "--json"], withKey);
    expect(created.code).toBe(0);
    const first = WebhookSecret.parse(JSON.parse(created.stdout));
    expect(first).toMatchObject({ tenant_id: "hooks-cli", version: 1, secret: deriveWebhookSecret(MASTER_KEY, "hooks-cli", 1) });
    expect(
      WebhookSecret.parse(JSON.parse((await cli(["webhook-secret", "show", "--tenant", "hooks-cli", "--json"], withKey)).stdout)),
    ).toEqual(first);

    const rotated = WebhookSecret.parse(
      JSON.parse((await cli(["webhook-secret", "rotate", "--tenant", "hooks-cli", "--grace", "60", "--json"], withKey)).stdout),
    );
    expect(rotated).toMatchObject({ version: 2, previous_version: 1, secret: deriveWebhookSecret(MASTER_KEY, "hooks-cli", 2) });
    expect(Date.parse(rotated.previous_expires_at!) - Date.parse(rotated.rotated_at!)).toBe(60_000);

    const audit = await client.query("SELECT actor, action, details FROM audit_log WHERE tenant_id = 'hooks-cli' ORDER BY id");
    const actor = `cli:${userInfo().username}`;
    expect(audit.rows).toEqual([
      { actor, action: "webhook_secret.create", details: { version: 1 } },
      expect.objectContaining({ actor, action: "webhook_secret.rotate" }),
    ]);
  });

  it("when the human output is used, then the secret and the previous version's end are printed", async () => {
    await cli(["webhook-secret", "create", "--tenant", "hooks-human"], withKey);
    const { stdout } = await cli(["webhook-secret", "rotate", "--tenant", "hooks-human"], withKey);
    expect(stdout).toMatch(/^secret: whsec_[A-Za-z0-9+/]{43}=$/m);
    expect(stdout).toMatch(/Version 1 also signs deliveries until /);
  });

  it.each([
    [["webhook-secret", "create"], withKey, 2, /--tenant is required/],
    [["webhook-secret", "create", "--tenant", "has space"], withKey, 2, /tenant_id/],
    [["webhook-secret", "show", "--tenant", "hooks-nobody"], withKey, 1, /has no webhook secret/],
    [["webhook-secret", "rotate", "--tenant", "hooks-nobody", "--grace", "soon"], withKey, 2, /grace_seconds/],
    [["webhook-secret", "create", "--tenant", "hooks-nokey"], {}, 1, /WEBHOOK_MASTER_KEY/],
    [["webhook-secret", "frobnicate", "--tenant", "x"], withKey, 2, /unknown command 'webhook-secret frobnicate'/],
  ])("when called as %j with env %j, then it exits %i with a message", async (args, env, code, message) => {
    const result = await cli(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });

  it("when a tenant already has a secret, then create exits 1 saying to rotate", async () => {
    await cli(["webhook-secret", "create", "--tenant", "hooks-twice"], withKey);
    const again = await cli(["webhook-secret", "create", "--tenant", "hooks-twice"], withKey);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has a webhook secret/);
  });
});
