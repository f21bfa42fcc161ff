import { describe, expect, it } from "vitest";
import { egressPolicy } from "./egress-policy.ts";
import { urlRefusal } from "./url-refusal.ts";

const strict = egressPolicy();

describe("urlRefusal", () => {
  it.each([
    ["http://127.0.0.1:8082/internal", "loopback"],
    ["http://localhost/hook", "loopback"],
    ["http://LOCALHOST./hook", "loopback"],
    ["http://api.localhost/hook", "loopback"],
    ["http://[::1]/hook", "loopback"],
    ["http://0x7f000001/hook", "loopback"],
    ["http://2130706433/hook", "loopback"],
    ["http://127.1/hook", "loopback"],
    ["http://0177.0.0.1/hook", "loopback"],
    ["http://[::ffff:127.0.0.1]/hook", "loopback"],
    ["http://169.254.169.254/latest/meta-data", "linkLocal"],
    ["http://10.1.2.3/hook", "private"],
    ["http://172.16.0.9/hook", "private"],
    ["http://192.168.1.1/hook", "private"],
    ["http://100.64.0.1/hook", "carrierGradeNat"],
    ["http://[fd00::1]/hook", "uniqueLocal"],
    ["http://[fe80::1]/hook", "linkLocal"],
    ["http://224.0.0.1/hook", "multicast"],
    ["http://[ff02::1]/hook", "multicast"],
    ["http://0.0.0.0/hook", "unspecified"],
    ["http://[::]/hook", "unspecified"],
    ["ftp://example.com/hook", "not an http(s) URL"],
    ["file:///etc/passwd", "not an http(s) URL"],
  ])("when the URL is %s, then it is refused (%s)", (url, reason) => {
    expect(urlRefusal(url, strict)).toBe(reason);
  });

  it.each(["https://hooks.example.com/a?b=c", "http://93.184.215.14/hook", "https://[2606:4700::1111]/hook"])(
    "when the URL names a public host or address (%s), then its text is fine",
    (url) => {
      expect(urlRefusal(url, strict)).toBeUndefined();
    },
  );

  it("when the operator allows a private range, then addresses in it are fine and others still refused", () => {
    const cluster = egressPolicy(["10.0.0.0/8", "fd00::/8"]);
    expect(urlRefusal("http://10.3.0.7:9000/hook", cluster)).toBeUndefined();
    expect(urlRefusal("http://[fd00::7]/hook", cluster)).toBeUndefined();
    expect(urlRefusal("http://192.168.0.1/hook", cluster)).toBe("private");
    expect(urlRefusal("http://127.0.0.1/hook", cluster)).toBe("loopback");
  });

  it("when an allowed range is malformed, then the policy cannot be built and the error names it", () => {
    expect(() => egressPolicy(["10.0.0.0/8", "10.0.0/33"])).toThrow(/range 1 \('10.0.0\/33'\)/);
  });
});
