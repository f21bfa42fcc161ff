import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { requestId } from "./request-id.ts";

function run(middleware: ReturnType<typeof requestId>, given?: string) {
  const headers: Record<string, string> = {};
  const res = { locals: {}, setHeader: (name: string, value: string) => void (headers[name] = value) } as unknown as Response;
  const req = { get: (name: string) => (name === "x-request-id" ? given : undefined) } as unknown as Request;
  let nextCalled = false;
  middleware(req, res, () => void (nextCalled = true));
  return { locals: res.locals, header: headers["x-request-id"], nextCalled };
}

describe("requestId", () => {
  const trusting = requestId({ trusted: /^[a-z-]{8,}$/, generate: () => "generated" });

  it("when the incoming id matches the trusted pattern, then it is kept and marked as the client's", () => {
    expect(run(trusting, "client-given")).toEqual({
      locals: { requestId: "client-given", requestIdFromClient: true },
      header: "client-given",
      nextCalled: true,
    });
  });

  it.each([undefined, "short", "has:colon-in-it"])("when the incoming id is %s, then a new one is generated", (given) => {
    expect(run(trusting, given)).toMatchObject({ locals: { requestId: "generated", requestIdFromClient: false }, header: "generated" });
  });

  it("when no pattern is trusted, then every request gets a new UUID", () => {
    const { locals } = run(requestId(), "client-given");
    expect(locals).toMatchObject({ requestIdFromClient: false });
    expect(locals.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
