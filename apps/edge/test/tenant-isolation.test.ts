import { ApiKeyList, ErrorEnvelope } from "@gateway/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi } from "./admin-api.ts";
import { startTestEdge, type TestEdge } from "./start-test-edge.ts";

let edge: TestEdge;
let alice: { id: string; secret: string };
let bob: { id: string; secret: string };
beforeAll(async () => {
  edge = await startTestEdge();
  const admin = adminApi(edge.url);
  alice = await admin.create({ tenant_id: "alice", name: "a" });
  bob = await admin.create({ tenant_id: "bob", name: "b" });
});
afterAll(() => edge.close());

const get = (path: string, secret: string) => fetch(`${edge.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });

async function expect404(res: Response) {
  expect(res.status).toBe(404);
  expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("not_found");
}

describe("when one tenant's key asks for another tenant's data, then 404, as for data that does not exist", () => {
  it("then listing keys shows only the caller's tenant", async () => {
    const page = ApiKeyList.parse(await (await get("/v1/keys", alice.secret)).json());
    expect(page.data.map((k) => k.id)).toEqual([alice.id]);
    expect(JSON.stringify(page)).not.toContain("secret");
  });

  it("then its own key is readable and the other tenant's key is 404", async () => {
    expect((await get(`/v1/keys/${alice.id}`, alice.secret)).status).toBe(200);
    await expect404(await get(`/v1/keys/${bob.id}`, alice.secret));
    await expect404(await get(`/v1/keys/key_doesnotexist000000`, alice.secret));
  });

  it("then the other tenant's usage is 404 before billing is even asked", async () => {
    await expect404(await get("/v1/usage?tenant_id=bob", alice.secret));
  });

  it("then a tenant key cannot reach the admin API", async () => {
    expect((await get(`/v1/admin/keys/${bob.id}`, alice.secret)).status).toBe(401);
  });
});
