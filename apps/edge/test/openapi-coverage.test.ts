import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../src/http/routes-table.ts";
import { MODEL, startTestEdge, type TestEdge } from "./start-test-edge.ts";

let edge: TestEdge;
let document: {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
};

beforeAll(async () => {
  edge = await startTestEdge();
  document = (await (await fetch(`${edge.url}/openapi.json`)).json()) as typeof document;
});
afterAll(() => edge?.close());

/** Express's `:id` and `*id` (and the table's `:id`) as OpenAPI's `{id}`. */
const openApiPath = (path: string) => path.replace(/[:*](\w+)/g, "{$1}");
/** HEAD is answered for every GET by Express and implied by GET in OpenAPI: compared without it. */
const withoutHead = (methods: readonly string[]) => methods.map((m) => m.toUpperCase()).filter((m) => m !== "HEAD");
const operations = (entries: Iterable<[string, readonly string[]]>) =>
  [...entries].flatMap(([path, methods]) => withoutHead(methods).map((m) => `${m} ${path}`)).sort();

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
}

/** Every route mounted on the Express app, found by walking its router (sub-routers and their mount paths included). */
function mountedRoutes(app: Express): [string, string[]][] {
  const found: [string, string[]][] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m !== "_all");
        for (const path of ([] as string[]).concat(layer.route.path)) if (methods.length) found.push([openApiPath(prefix + path), methods]);
      } else if (layer.handle.stack) {
        const mount = layer.slash ? "" : String(layer.rawPath ?? "");
        walk(layer.handle.stack, prefix + (mount === "/" ? "" : mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return found;
}

describe("the route table, the Express router and the OpenAPI document", () => {
  it("when the edge is running, then every route in the table is in the OpenAPI document and every documented route is in the table", () => {
    const table = operations(ROUTES.map((r) => [openApiPath(r.path), r.methods]));
    const documented = operations(Object.entries(document.paths).map(([path, item]) => [path, Object.keys(item)]));
    expect(documented).toEqual(table);
  });

  it("when the Express router is walked, then every mounted route is in the table and every table route is mounted", () => {
    const app = edge.server.listeners("request")[0] as unknown as Express;
    const mounted = [...new Set(operations(mountedRoutes(app)))];
    const table = operations(ROUTES.map((r) => [openApiPath(r.path), r.methods]));
    expect(mounted).toEqual(table);
  });
});

describe("GET /openapi.json and /docs", () => {
  it("when the document is fetched, then it is OpenAPI 3.1 and lists this deployment's models in the requests", () => {
    expect(document).toMatchObject({ openapi: "3.1.0" });
    expect(document.components.schemas.ChatCompletionRequest?.properties?.model?.enum).toEqual([MODEL]);
  });

  it("when the docs page is opened, then it and every asset it loads come from the gateway itself, under a strict CSP", async () => {
    const page = await fetch(`${edge.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset.startsWith("/docs/"), asset).toBe(true);
      const res = await fetch(`${edge.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });

  it("when a file of the package that the page does not load is asked for, then it is 404", async () => {
    for (const name of ["index.html", "swagger-initializer.js", "package.json", "..%2Fpackage.json"]) {
      expect((await fetch(`${edge.url}/docs/${name}`)).status, name).toBe(404);
    }
  });
});
