import { describe, expect, it } from "vitest";
import { chatCompletionRequest } from "./chat.ts";

const schema = chatCompletionRequest({ maxContentChars: 20, models: new Map([["m", { maxOutputTokens: 100 }]]) });
const valid = { model: "m", messages: [{ role: "user", content: "hi" }] };
const issuesOf = (body: unknown) => schema.safeParse(body).error?.issues ?? [];

describe("chatCompletionRequest", () => {
  it("when the request is minimal, then it is accepted unchanged", () => {
    expect(schema.parse(valid)).toEqual(valid);
  });

  it("when content is given as text parts, then it is accepted", () => {
    expect(schema.safeParse({ ...valid, messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }).success).toBe(true);
  });

  it("when content parts are not text, then it is rejected", () => {
    expect(schema.safeParse({ ...valid, messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }).success).toBe(
      false,
    );
  });

  it.each([
    ["temperature", -0.1],
    ["temperature", 2.01],
    ["top_p", 1.01],
    ["max_tokens", 0],
    ["max_tokens", 1.5],
    ["max_completion_tokens", 101],
    ["n", 2],
    ["stop", ["a", "b", "c", "d", "e"]],
  ])("when %s is %j, then it is rejected on that field", (field, value) => {
    const issues = issuesOf({ ...valid, [field]: value });
    expect(issues[0]?.path).toEqual([field]);
  });

  it.each([
    ["temperature", 0],
    ["temperature", 2],
    ["top_p", 0],
    ["max_tokens", 100],
    ["stop", "END"],
  ])("when %s is the boundary %j, then it is accepted", (field, value) => {
    expect(schema.safeParse({ ...valid, [field]: value }).success).toBe(true);
  });

  it("when content is longer than the limit, then the message says the limit", () => {
    expect(issuesOf({ ...valid, messages: [{ role: "user", content: "x".repeat(21) }] })[0]?.message).toContain("at most 20");
  });

  it("when the last message is not from the user, then it is rejected", () => {
    const body = {
      ...valid,
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
    };
    expect(issuesOf(body)[0]?.message).toContain("last message");
  });

  it("when the model is unknown, then the issue is tagged model_not_found", () => {
    const issue = issuesOf({ ...valid, model: "other" })[0];
    expect(issue?.code === "custom" && issue.params).toEqual({ kind: "model_not_found" });
  });

  it("when a field is unknown, then it is rejected by name", () => {
    const issue = issuesOf({ ...valid, max_token: 3 })[0];
    expect(issue?.code === "unrecognized_keys" && issue.keys).toEqual(["max_token"]);
  });

  it("when an OpenAI field this gateway does not support is sent, then it is rejected on that field", () => {
    expect(issuesOf({ ...valid, functions: [] })[0]?.path).toEqual(["functions"]);
  });

  it("when a role is not one OpenAI defines, then it is rejected", () => {
    expect(issuesOf({ ...valid, messages: [{ role: "wizard", content: "x" }] })[0]?.path).toEqual(["messages", 0, "role"]);
  });
});
