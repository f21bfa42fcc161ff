import { describe, expect, it } from "vitest";
import { signWebhook, webhookKey, webhookSignatureHeader } from "./sign-webhook.ts";

describe("signWebhook", () => {
  it("when signed, then it is the Standard Webhooks v1 HMAC of id.timestamp.body with the whsec_ key's bytes", () => {
    const key = webhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    // The Standard Webhooks reference example.
    expect(signWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });

  it("when signed with two secrets, then the header holds both signatures, space-separated, the first secret's first", () => {
    const [a, b] = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXNlY3JldC1ieXRlcy0wMTIzNDU2Nzg5"];
    const header = webhookSignatureHeader([a, b], "msg_1", 1614265330, "{}");
    expect(header.split(" ")).toEqual([
      signWebhook(webhookKey(a), "msg_1", 1614265330, "{}"),
      signWebhook(webhookKey(b), "msg_1", 1614265330, "{}"),
    ]);
  });
});
