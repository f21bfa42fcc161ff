import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { requestId } from "./request-id.ts";

function run(middleware: ReturnType<typeof requestId>, sent: Record<string, string> = {}) {
  const headers: Record<string, string> = {};
  const res = { locals: {}, setHeader: (name: string, value: string) => void (headers[name] = value) } as unknown as Response;
  const req = { get: (name: string) => sent[name] } as unknown as Request;
  let nextCalled = false;
  middleware(req, res, () => void (nextCalled = true));
  return { locals: res.locals, headers, nextCalled };
}

describe("requestId", () => {
  const internal = requestId({ trusted: /^[a-z-]{8,}$/, generate: () => "generated" });
  const edge = requestId({ generate: () => "req_new", clientLabel: true });

  it("when an internal service gets an id matching its trusted pattern, then that id is the request's", () => {
    expect(run(internal, { "x-request-id": "edge-given" })).toEqual({
      locals: { requestId: "edge-given" },
      headers: { "x-request-id": "edge-given" },
      nextCalled: true,
    });
  });

  it.each([undefined, "short", "has:colon-in-it"])("when the incoming id is %s, then a new one is generated", (given) => {
    expect(run(internal, given ? { "x-request-id": given } : {}).locals).toEqual({ requestId: "generated" });
  });

  it("when the public edge gets a client's x-request-id, then the id is still the server's and the client's is only a label", () => {
    expect(run(edge, { "x-request-id": "req_0123456789abcdef0123456789abcdef" })).toEqual({
      locals: { requestId: "req_new", clientRequestId: "req_0123456789abcdef0123456789abcdef" },
      headers: { "x-request-id": "req_new", "x-client-request-id": "req_0123456789abcdef0123456789abcdef" },
      nextCalled: true,
    });
    expect(run(edge, { "x-client-request-id": "sdk-7", "x-request-id": "other" }).locals).toEqual({
      requestId: "req_new",
      clientRequestId: "sdk-7",
    });
  });

  it("when the client's label is not printable text or too long, then it is dropped, never echoed", () => {
    for (const label of ["has space", "x".repeat(129), "nul\u0000", "é"]) {
      expect(run(edge, { "x-client-request-id": label })).toMatchObject({
        locals: { requestId: "req_new" },
        headers: { "x-request-id": "req_new" },
      });
      expect(run(edge, { "x-client-request-id": label }).locals.clientRequestId).toBeUndefined();
    }
  });

  it("when nothing is trusted and no generator is given, then every request gets a new UUID", () => {
    expect(run(requestId(), { "x-request-id": "client-given" }).locals.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
