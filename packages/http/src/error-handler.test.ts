import { ErrorEnvelope } from "@gateway/contracts";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "./app-error.ts";
import { errorHandler } from "./error-handler.ts";
import { requestId } from "./request-id.ts";
import { captureLogger } from "./test/capture-logger.ts";
import { serve } from "./test/serve.ts";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start(onError?: (error: AppError) => void) {
  const { lines, logger } = captureLogger();
  const app = express();
  app.use(requestId());
  app.post("/json", express.json({ limit: "10b" }), (_req, res) => void res.json({}));
  app.get("/refused", () => {
    throw new AppError("method_not_allowed", "no", { retryAfter: 7, headers: { allow: "POST" }, param: "p" });
  });
  app.get("/query", (req) => void z.object({ date: z.string() }).parse(req.query));
  app.get("/bug", async () => {
    throw new Error("secret internals");
  });
  app.get("/mid-stream", (_req, res) => {
    res.write("partial");
    throw new Error("broke mid-stream");
  });
  app.use(errorHandler(logger, { onError }));
  const served = await serve(app);
  close = served.close;
  return { url: served.url, lines };
}

const envelopeOf = async (res: Response) => ErrorEnvelope.parse(await res.json()).error;

describe("errorHandler", () => {
  it("when a route throws an AppError, then its status, headers and envelope carry the request id", async () => {
    const seen: string[] = [];
    const { url } = await start((e) => seen.push(e.code));
    const res = await fetch(`${url}/refused`);
    expect(res.status).toBe(405);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("allow")).toBe("POST");
    const error = await envelopeOf(res);
    expect(error).toMatchObject({ code: "method_not_allowed", message: "no", type: "invalid_request_error", param: "p", details: null });
    expect(error.request_id).toBe(res.headers.get("x-request-id"));
    expect(seen).toEqual(["method_not_allowed"]);
  });

  it("when the body is malformed or too large, then it is a 400 or 413, never a 500", async () => {
    const { url, lines } = await start();
    const post = (body: string) => fetch(`${url}/json`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const malformed = await post("{");
    expect(malformed.status).toBe(400);
    expect((await envelopeOf(malformed)).code).toBe("invalid_json");
    const large = await post(JSON.stringify({ a: "x".repeat(100) }));
    expect(large.status).toBe(413);
    expect((await envelopeOf(large)).code).toBe("payload_too_large");
    expect(lines).toEqual([]);
  });

  it("when a contract's parse fails, then it is a 400 naming the field", async () => {
    const { url } = await start();
    const res = await fetch(`${url}/query`);
    expect(res.status).toBe(400);
    expect(await envelopeOf(res)).toMatchObject({ code: "invalid_request", param: "date", details: [{ path: "date" }] });
  });

  it("when a route has a bug, then the client gets a bare 500 and the log gets the error", async () => {
    const seen: string[] = [];
    const { url, lines } = await start((e) => seen.push(e.code));
    const res = await fetch(`${url}/bug`);
    expect(res.status).toBe(500);
    const error = await envelopeOf(res);
    expect(error).toMatchObject({ code: "internal_error", message: "internal error", request_id: res.headers.get("x-request-id") });
    expect(JSON.stringify(error)).not.toContain("secret internals");
    expect(lines).toEqual([expect.objectContaining({ msg: "unhandled error", request_id: error.request_id })]);
    expect(seen).toEqual(["internal_error"]);
  });

  it("when the response had begun, then it ends as it was, with no envelope and no hook", async () => {
    const seen: string[] = [];
    const { url, lines } = await start((e) => seen.push(e.code));
    const res = await fetch(`${url}/mid-stream`);
    expect(await res.text()).toBe("partial");
    expect(lines).toHaveLength(1);
    expect(seen).toEqual([]);
  });
});
