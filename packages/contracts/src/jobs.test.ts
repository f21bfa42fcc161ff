import { describe, expect, it } from "vitest";
import { CreateJobRequest } from "./jobs.ts";
import { WsClientMessage } from "./ws.ts";

describe("CreateJobRequest", () => {
  const request = { model: "m", messages: [{ role: "user", content: "hi" }] };

  it("when the webhook_url is http(s), then it is accepted", () => {
    expect(CreateJobRequest.safeParse({ type: "chat.completion", request, webhook_url: "https://example.com/hook" }).success).toBe(true);
  });

  it.each(["file:///etc/passwd", "gopher://example.com", "ftp://example.com/x", "not a url"])(
    "when the webhook_url is %s, then it is refused",
    (url) => {
      expect(CreateJobRequest.safeParse({ type: "chat.completion", request, webhook_url: url }).success).toBe(false);
    },
  );

  it("when the type is unknown, then it is refused", () => {
    expect(CreateJobRequest.safeParse({ type: "images", request }).success).toBe(false);
  });
});

describe("WsClientMessage", () => {
  it("when messages are auth, chat.completion and cancel, then each parses by its type", () => {
    expect(WsClientMessage.parse({ type: "auth", api_key: "k" }).type).toBe("auth");
    expect(WsClientMessage.parse({ type: "chat.completion", id: "a", request: { model: "m" } }).type).toBe("chat.completion");
    expect(WsClientMessage.parse({ type: "cancel", id: "a" }).type).toBe("cancel");
  });

  it("when a request id is empty or a field unknown, then it is refused", () => {
    expect(WsClientMessage.safeParse({ type: "cancel", id: "" }).success).toBe(false);
    expect(WsClientMessage.safeParse({ type: "cancel", id: "a", extra: 1 }).success).toBe(false);
  });
});
