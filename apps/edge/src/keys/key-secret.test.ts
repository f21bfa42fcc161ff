import { KeyId } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { generateSecret, hashSecret, newKeyId, visiblePrefix } from "./key-secret.ts";

describe("key secrets and ids", () => {
  it("when secrets are generated, then they are distinct, alphanumeric after the prefix, and hashed to 64 hex characters", () => {
    const secrets = new Set(Array.from({ length: 1_000 }, generateSecret));
    expect(secrets.size).toBe(1_000);
    for (const s of secrets) expect(s).toMatch(/^sk-gw-[0-9A-Za-z]{40}$/);
    expect(hashSecret("x")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("when a prefix is shown, then a generated secret shows 6 random characters and an imported one only 4 characters in all", () => {
    const secret = generateSecret();
    expect(visiblePrefix(secret)).toBe(secret.slice(0, 12));
    expect(visiblePrefix("my-old-key-0123456789")).toBe("my-o");
  });

  it("when ids are made at increasing times, then they sort in that order and match the contract", () => {
    const ids = [1_000, 2_000_000_000_000, 2_000_000_000_001].map((t) => newKeyId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(KeyId.safeParse(id).success).toBe(true);
  });
});
