import { egressPolicy } from "@gateway/egress";
import { AppError } from "@gateway/http";
import { describe, expect, it } from "vitest";
import type { WebhookSigningKey } from "../generated/prisma/client.ts";
import { SigningKeyCache } from "./signing-key-cache.ts";
import { webhookTarget } from "./webhook-target.ts";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const key = (fields: Partial<WebhookSigningKey> = {}): WebhookSigningKey => ({
  tenantId: "acme",
  version: 3,
  previousVersion: null,
  previousExpiresAt: null,
  createdAt: new Date(0),
  rotatedAt: null,
  ...fields,
});
const target = (load: () => Promise<WebhookSigningKey | null>, masterKey: string | undefined = "m".repeat(32)) =>
  webhookTarget({ policy: egressPolicy(), masterKey, keys: new SigningKeyCache(load, { ttlMs: 1_000 }), now: () => NOW });

const refusal = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe("webhookTarget", () => {
  it("when the previous version's grace lasts, then both versions sign, current first; once it ended, only the current one", async () => {
    const inGrace = key({ previousVersion: 2, previousExpiresAt: new Date(NOW + 1) });
    expect(await target(async () => inGrace)("acme", "https://hooks.example.com/x")).toEqual([3, 2]);
    const over = key({ previousVersion: 2, previousExpiresAt: new Date(NOW) });
    expect(await target(async () => over)("acme", "https://hooks.example.com/x")).toEqual([3]);
  });

  it("when the URL is not a destination at all, then the 400 says what is wrong with it", async () => {
    const err = await refusal(target(async () => key())("acme", "ftp://hooks.example.com/x"));
    expect(err).toMatchObject({ code: "invalid_request", message: "webhook_url is not an http(s) URL", extra: { param: "webhook_url" } });
  });

  it("when Postgres cannot answer and nothing is known about the tenant, then 503 database_unavailable with Retry-After", async () => {
    const err = await refusal(target(() => Promise.reject(new Error("ECONNREFUSED")))("acme", "https://hooks.example.com/x"));
    expect(err).toMatchObject({ code: "database_unavailable", status: 503, extra: { retryAfter: 5 } });
  });

  it("when the URL is forbidden, then it is refused before the tenant's key is looked up", async () => {
    let asked = 0;
    const check = target(async () => (asked++, key()));
    await refusal(check("acme", "http://127.0.0.1/x"));
    expect(asked).toBe(0);
  });
});
