import { describe, expect, it } from "vitest";
import { deriveWebhookSecret } from "./webhook-secret.ts";

const MASTER = "test-master-key-0123456789abcdef0123456789";

describe("deriveWebhookSecret", () => {
  it("when derived twice from the same master, tenant and version, then it is the same whsec_ secret of 32 key bytes", () => {
    const secret = deriveWebhookSecret(MASTER, "acme", 1);
    expect(deriveWebhookSecret(MASTER, "acme", 1)).toBe(secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
  });

  it("when the tenant, the version or the master key differs, then so does the secret", () => {
    const secrets = [
      deriveWebhookSecret(MASTER, "acme", 1),
      deriveWebhookSecret(MASTER, "acme", 2),
      deriveWebhookSecret(MASTER, "globex", 1),
      deriveWebhookSecret(MASTER, "acme1", 1),
      deriveWebhookSecret(`${MASTER}!`, "acme", 1),
    ];
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it("when derived, then it is HMAC-SHA256 of the documented input under the master key (edges and workers of any release agree)", () => {
    // printf 'gateway-webhook-secret/v1/t/7' | openssl dgst -sha256 -hmac "$(printf 'm%.0s' $(seq 32))" -binary | base64
    expect(deriveWebhookSecret("m".repeat(32), "t", 7)).toBe("whsec_2O9ZkaySyWs/3OE5GIAQ5FUGfG1aFzW9MSK+7/T9ddE=");
  });
});
