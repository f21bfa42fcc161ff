import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { expressServer } from "./express-server.ts";

describe("expressServer", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function start(app: express.Express) {
    const server = expressServer(app);
    // The prototypes the server creates its objects with, before Express sees them.
    const born: { req?: object | null; res?: object | null } = {};
    server.prependListener("request", (req: object, res: object) => {
      born.req = Object.getPrototypeOf(req) as object;
      born.res = Object.getPrototypeOf(res) as object;
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    close = () => new Promise((resolve) => server.close(() => resolve()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, born };
  }

  it("when a request comes in, then its request and response are created with the app's prototypes, so Express has none to change", async () => {
    const app = express();
    app.get("/", (_req, res) => void res.end());
    const { url, born } = await start(app);
    await (await fetch(url)).text();
    expect(born.req).toBe(app.request);
    expect(born.res).toBe(app.response);
  });

  it("when a route uses Express's request and response members, then they all work as on Express's own server", async () => {
    const app = express();
    app.set("trust proxy", "loopback");
    app.post("/echo/:id", express.json(), (req, res) => {
      res
        .status(201)
        .set("x-seen", req.get("x-probe") ?? "none")
        .json({
          id: req.params.id,
          body: req.body as unknown,
          query: req.query,
          ip: req.ip,
          json: req.is("application/json"),
          app: req.app === app,
        });
    });
    const { url } = await start(app);
    const res = await fetch(`${url}/echo/7?q=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-probe": "p", "x-forwarded-for": "203.0.113.9" },
      body: JSON.stringify({ a: 1 }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-seen")).toBe("p");
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await res.json()).toEqual({
      id: "7",
      body: { a: 1 },
      query: { q: "1" },
      ip: "203.0.113.9",
      json: "application/json",
      app: true,
    });
  });
});
