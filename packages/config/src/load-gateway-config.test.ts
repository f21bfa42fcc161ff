import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, loadGatewayConfig } from "./load-gateway-config.ts";
import { envBoolean, parseEnv } from "./parse-env.ts";

describe("loadGatewayConfig", () => {
  it("when only LLAMA_SERVER_URLS is set, then one model serves those URLs", () => {
    const config = loadGatewayConfig({ LLAMA_SERVER_URLS: "http://a:1, http://b:2/", GATEWAY_MODEL: "tiny" });
    expect(config.models).toEqual([expect.objectContaining({ id: "tiny", backends: ["http://a:1", "http://b:2"] })]);
  });

  it("when nothing is configured, then the error says what to set", () => {
    expect(() => loadGatewayConfig({})).toThrow(/GATEWAY_CONFIG_FILE, or LLAMA_SERVER_URLS/);
  });

  it("when the file has a bad field, then the error names it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "cfg-")), "g.json");
    writeFileSync(file, JSON.stringify({ models: [{ id: "m", backends: [], extra: 1 }] }));
    expect(() => loadGatewayConfig({ GATEWAY_CONFIG_FILE: file })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ GATEWAY_CONFIG_FILE: file })).toThrow(/backends|extra/);
  });

  it("when the file is missing, then the error names the file", () => {
    expect(() => loadGatewayConfig({ GATEWAY_CONFIG_FILE: "/nope.json" })).toThrow(/\/nope.json/);
  });
});

describe("parseEnv", () => {
  const schema = z.object({ PORT: z.coerce.number().int(), DEBUG: envBoolean.default(false) });

  it("when a boolean is 'false', then it is false", () => {
    expect(parseEnv(schema, { PORT: "1", DEBUG: "false" }).DEBUG).toBe(false);
    expect(parseEnv(schema, { PORT: "1", DEBUG: "1" }).DEBUG).toBe(true);
  });

  it("when a variable is invalid, then the error lists it", () => {
    expect(() => parseEnv(schema, { PORT: "x" })).toThrow(/PORT/);
  });
});
