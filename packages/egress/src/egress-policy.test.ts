import { describe, expect, it } from "vitest";
import { addressRefusal, egressPolicy } from "./egress-policy.ts";

describe("addressRefusal", () => {
  const strict = egressPolicy();
  it.each([
    ["127.0.0.53", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["198.18.0.1", "reserved"],
  ])("when the address is %s, then it is refused as %s", (ip, reason) => {
    expect(addressRefusal(ip, strict)).toBe(reason);
  });

  it("when the address is public, then it is allowed", () => {
    expect(addressRefusal("8.8.8.8", strict)).toBeUndefined();
    expect(addressRefusal("2001:4860:4860::8888", strict)).toBeUndefined();
  });
});
