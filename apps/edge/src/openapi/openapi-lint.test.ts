import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GatewayConfig } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "./build-openapi-document.ts";

const APP = fileURLToPath(new URL("../../", import.meta.url));

/** A deployment with both kinds of pool and an alias, so every schema variant is generated. */
const config = GatewayConfig.parse({
  models: [
    {
      id: "stories260k",
      aliases: ["stories"],
      backends: ["http://a:1"],
      embedding_backends: ["http://b:1"],
      price: { prompt_per_1k: "0.0001", completion_per_1k: "0.0002" },
    },
  ],
});

type Operation = {
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown; examples?: object }> }>;
};

describe("the OpenAPI document", () => {
  it("when linted by redocly with the recommended rules, then there is no error and no warning (examples match their schemas)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gw-openapi-")), "openapi.json");
    writeFileSync(file, JSON.stringify(buildOpenApiDocument(config)));
    const { stdout } = await promisify(execFile)(
      `${APP}node_modules/.bin/redocly`,
      ["lint", file, "--config", `${APP}redocly.yaml`, "--format=json"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      },
    ).catch((err: { stdout: string }) => err);
    const { problems } = JSON.parse(stdout) as { problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
    expect(problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
  }, 60_000);

  it("when built, then every request body and every response with a body has an example", () => {
    const document = buildOpenApiDocument(config) as unknown as { paths: Record<string, Record<string, Operation>> };
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [type, media] of Object.entries(operation.requestBody?.content ?? {}))
          if (media.example === undefined) missing.push(`${method} ${path} request ${type}`);
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const [type, media] of Object.entries(response.content ?? {})) {
            if (media.example === undefined && media.examples === undefined && type !== "application/octet-stream")
              missing.push(`${method} ${path} ${status} ${type}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("when built, then every operation has a 2xx response, but the WebSocket upgrade, which answers 101", () => {
    const document = buildOpenApiDocument(config) as unknown as { paths: Record<string, Record<string, Operation>> };
    const without = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => !Object.keys(operation.responses).some((status) => status.startsWith("2")))
        .map(([method]) => `${method} ${path}`),
    );
    expect(without).toEqual(["get /v1/ws"]);
    expect(Object.keys(document.paths["/v1/ws"]!.get!.responses)).toContain("101");
  });
});
