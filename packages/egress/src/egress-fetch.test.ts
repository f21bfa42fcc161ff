import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { egressFetcher } from "./egress-fetch.ts";
import { egressPolicy } from "./egress-policy.ts";
import { EgressRefusedError } from "./guarded-lookup.ts";

let server: Server;
let port: number;
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === "/redirect") res.writeHead(302, { location: "http://127.0.0.1:1/elsewhere" }).end();
    else res.writeHead(200).end("ok");
  }).listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("egressFetcher", () => {
  it("when the URL is a loopback literal or a name that resolves to loopback, then nothing is sent", async () => {
    const guarded = egressFetcher(egressPolicy());
    const before = hits;
    await expect(guarded.fetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(EgressRefusedError);
    // This machine's own name resolves to a loopback address (/etc/hosts): refused at connect time.
    await expect(guarded.fetch(`http://${hostname()}:${port}/`)).rejects.toBeInstanceOf(EgressRefusedError);
    expect(hits).toBe(before);
    await guarded.close();
  });

  it("when the operator allows the range, then the request goes through, and a redirect is answered, not followed", async () => {
    const allowed = egressFetcher(egressPolicy(["127.0.0.0/8"]));
    expect((await allowed.fetch(`http://${hostname()}:${port}/`)).status).toBe(200);
    const before = hits;
    const redirected = await allowed.fetch(`http://127.0.0.1:${port}/redirect`);
    expect(redirected.status).toBe(302);
    expect(hits).toBe(before + 1);
    await allowed.close();
  });
});
