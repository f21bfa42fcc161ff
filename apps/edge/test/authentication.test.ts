import { ErrorEnvelope, type ChatJob } from "@gateway/contracts";
import { SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, whoAmI } from "./admin-api.ts";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { gatewayConfigFile } from "./gateway-config.ts";
import { chatBody, post, startTestEdge, TEST_KEY, type TestEdge } from "./start-test-edge.ts";

const JWT_SECRET = "jwt-test-secret-0123456789abcdef0123456789";
const MESSAGE = "missing or invalid API key: send Authorization: Bearer <key>";

let edge: TestEdge;
let worker: FakeWorker;
let admin: ReturnType<typeof adminApi>;
const jobs: ChatJob[] = [];
beforeAll(async () => {
  edge = await startTestEdge({
    GATEWAY_CONFIG_FILE: gatewayConfigFile({}),
    JWT_HS256_SECRET: JWT_SECRET,
    JWT_ISSUER: "https://auth.example",
    LAST_USED_FLUSH_MS: "60000",
  });
  admin = adminApi(edge.url);
  worker = await startFakeWorker(edge.prefix, async (job) => (jobs.push(job), [resultOf(job, 1, 1)]));
  await fetch(`${edge.url}/readyz`);
});
afterAll(async () => {
  await worker.close();
  await edge.close();
});

const chat = (secret: string, extra: Record<string, unknown> = {}) =>
  post(`${edge.url}/v1/chat/completions`, chatBody(extra), { authorization: `Bearer ${secret}` });

async function expect401(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("www-authenticate")).toContain("Bearer");
  expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code: "invalid_api_key", message: MESSAGE });
}

describe("when the API key is not a live key, then 401 with one message for every case", () => {
  it("when the key expired, then 401", async () => {
    const key = await admin.create({ tier: "free", expires_at: new Date(Date.now() + 300).toISOString() });
    expect((await chat(key.secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 350));
    await expect401(await chat(key.secret));
  });

  it("when the key was revoked, then 401 (once the cache entry is gone)", async () => {
    const key = await admin.create({ tier: "free" });
    await admin.revoke(key.id);
    await expect401(await chat(key.secret));
  });

  it.each([
    ["missing", ""],
    ["not a bearer token", "Basic abc"],
    ["unknown", "Bearer sk-gw-unknownunknownunknownunknownunknown0000"],
    ["an almost right key", `Bearer ${TEST_KEY.slice(0, -1)}X`],
  ])("when the credential is %s, then 401", async (_name, authorization) => {
    await expect401(await post(`${edge.url}/v1/chat/completions`, chatBody(), { authorization }));
  });
});

describe("when a credential may use only some models", () => {
  it("when the allowed model is asked for by its id or its alias, then it works", async () => {
    const key = await admin.create({ tier: "free", allowed_models: ["test-alias"] });
    expect((await chat(key.secret)).status).toBe(200);
    expect((await chat(key.secret, { model: "test-alias" })).status).toBe(200);
  });

  it.each([
    ["an API key", () => admin.create({ tier: "free", allowed_models: ["test-model"] }).then((k) => k.secret)],
    ["a JWT with a models claim", () => token({ sub: "tenant-jwt", tier: "free", models: ["test-model"] })],
  ])("when %s asks for another model, then 403 permission_denied on model", async (_name, credential) => {
    const res = await chat(await credential(), { model: "other-model" });
    expect(res.status).toBe(403);
    expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code: "permission_denied", param: "model" });
  });
});

function token(claims: Record<string, unknown>, { secret = JWT_SECRET, expiresIn = "5m" as string | null } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("https://auth.example").setIssuedAt();
  if (expiresIn) jwt = jwt.setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe("when a JWT is presented", () => {
  it("when it is valid, then its claims are the tenant and tier, and limits apply per tenant", async () => {
    const res = await chat(await token({ sub: "tenant-jwt", tier: "premium" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(jobs.at(-1)?.caller).toEqual({ tenant_id: "tenant-jwt", key_id: "jwt:tenant-jwt", tier: "premium" });
    // The tenant of the token reads its own keys: none.
    expect(await (await whoAmI(edge.url, await token({ sub: "tenant-jwt", tier: "free" }))).json()).toMatchObject({ data: [] });
  });

  it.each([
    ["signed with another secret", () => token({ sub: "t", tier: "free" }, { secret: "another-secret-0123456789abcdef0123456789" })],
    ["expired", () => token({ sub: "t", tier: "free" }, { expiresIn: "-1m" })],
    ["without exp", () => token({ sub: "t", tier: "free" }, { expiresIn: null })],
    ["of an unknown tier", () => token({ sub: "t", tier: "gold" })],
    ["without a tier and no default", () => token({ sub: "t" })],
    ["with a bad tenant", () => token({ sub: "has space", tier: "free" })],
  ])("when it is %s, then 401 with the same message", async (_name, make) => {
    await expect401(await chat(await make()));
  });
});

describe("last_used_at", () => {
  it("when a key is used many times, then nothing is written per request; one batch is written at the flush", async () => {
    const key = await admin.create({ tier: "enterprise" });
    for (let i = 0; i < 10; i++) expect((await whoAmI(edge.url, key.secret)).status).toBe(200);
    const db = new pg.Client({ connectionString: edge.databaseUrl });
    await db.connect();
    try {
      expect((await db.query("SELECT last_used_at FROM api_keys WHERE id = $1", [key.id])).rows[0].last_used_at).toBeNull();
      // A second edge on the same database with a short flush interval writes its own batch.
      const other = await startTestEdge({ QUEUE_PREFIX: edge.prefix, EDGE_DATABASE_URL: edge.databaseUrl, LAST_USED_FLUSH_MS: "100" });
      try {
        expect((await whoAmI(other.url, key.secret)).status).toBe(200);
        await new Promise((r) => setTimeout(r, 300));
        expect((await db.query("SELECT last_used_at FROM api_keys WHERE id = $1", [key.id])).rows[0].last_used_at).toBeInstanceOf(Date);
      } finally {
        await other.close();
      }
    } finally {
      await db.end();
    }
  });
});
