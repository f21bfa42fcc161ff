import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODEL, startSystem, type System } from "./start-system.ts";

const SECRET_BYTES = Buffer.from("e2e-webhook-secret-0123456789abcdef");
const SECRET = `whsec_${SECRET_BYTES.toString("base64")}`;

let system: System;
let receiver: Server;
let receiverUrl: string;
const received: { headers: IncomingHttpHeaders; body: string; status: number }[] = [];
let failNext = 0;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const status = failNext-- > 0 ? 500 : 204;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  system = await startSystem({ workerEnv: { WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_DELAY_MS: "200" } });
});
afterAll(async () => {
  await system?.stop();
  receiver?.close();
});

const createJob = (body: Record<string, unknown>) =>
  fetch(`${system.edgeUrl}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("when an async job with a webhook_url ends", () => {
  it("then the receiver gets the job, signed Standard Webhooks style, retried with the same webhook-id after it failed once", async () => {
    failNext = 1;
    const res = await createJob({
      type: "chat.completion",
      request: { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 5 },
      webhook_url: receiverUrl,
    });
    const { id } = (await res.json()) as { id: string };
    await expect.poll(() => received.filter((r) => r.headers["webhook-id"] === id).length, { timeout: 15_000 }).toBe(2);
    const [first, second] = received.filter((r) => r.headers["webhook-id"] === id);
    expect(first!.status).toBe(500);
    expect(second!.status).toBe(204);
    for (const delivery of [first!, second!]) {
      const timestamp = String(delivery.headers["webhook-timestamp"]);
      const expected = `v1,${createHmac("sha256", SECRET_BYTES).update(`${id}.${timestamp}.${delivery.body}`).digest("base64")}`;
      expect(delivery.headers["webhook-signature"]).toBe(expected);
      expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(60);
    }
    const job = JSON.parse(second!.body) as {
      id: string;
      status: string;
      usage: { completion_tokens: number };
      result: { choices: unknown[] };
    };
    expect(job).toMatchObject({ id, status: "succeeded", usage: { completion_tokens: 5 } });
    expect(job.result.choices).toHaveLength(1);
  });

  it("then a webhook_url that is not http(s) is refused with 400 and nothing runs", async () => {
    const res = await createJob({
      type: "chat.completion",
      request: { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 5 },
      webhook_url: "file:///etc/passwd",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("webhook_url");
  });
});
