import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  egressAllowCidrs,
  listenHost,
  listenPort,
  logLevel,
  milliseconds,
  optionalString,
  queuePrefix,
  redisUrl,
  unlessBlank,
} from "./env-fields.ts";
import { parseEnv } from "./parse-env.ts";

const Env = z.object({
  HOST: listenHost,
  PORT: listenPort(8080),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  LOG_LEVEL: logLevel,
  TIMEOUT_MS: milliseconds(5_000, 100),
  NAME: optionalString,
  SECRET: unlessBlank(z.string().min(32)),
});

describe("env fields", () => {
  it("when nothing is set, then every field takes its default", () => {
    expect(parseEnv(Env, {})).toEqual({
      HOST: "127.0.0.1",
      PORT: 8080,
      REDIS_URL: "redis://127.0.0.1:6379",
      QUEUE_PREFIX: "gw",
      LOG_LEVEL: "info",
      TIMEOUT_MS: 5_000,
    });
  });

  it("when optional settings are blank (as compose passes unset variables), then they are unset", () => {
    expect(parseEnv(Env, { NAME: "", SECRET: "" })).toMatchObject({ NAME: undefined, SECRET: undefined });
    expect(parseEnv(Env, { NAME: " gw " }).NAME).toBe("gw");
  });

  it("when numbers come as strings, then they are parsed and bounded", () => {
    expect(parseEnv(Env, { PORT: "0", TIMEOUT_MS: "100" })).toMatchObject({ PORT: 0, TIMEOUT_MS: 100 });
    expect(() => parseEnv(Env, { TIMEOUT_MS: "99" })).toThrow(/TIMEOUT_MS/);
    expect(() => parseEnv(Env, { PORT: "65536" })).toThrow(/PORT/);
  });

  it.each([
    ["REDIS_URL", "http://127.0.0.1:6379"],
    ["LOG_LEVEL", "verbose"],
    ["QUEUE_PREFIX", ""],
    ["HOST", ""],
    ["SECRET", "short"],
  ])("when %s is '%s', then start-up fails naming it", (name, value) => {
    expect(() => parseEnv(Env, { [name]: value })).toThrow(new RegExp(name));
  });
});

describe("EGRESS_ALLOW_CIDRS", () => {
  const Egress = z.object({ EGRESS_ALLOW_CIDRS: egressAllowCidrs });

  it("when it is unset or blank, then no range is allowed", () => {
    expect(parseEnv(Egress, {}).EGRESS_ALLOW_CIDRS.allowed).toEqual([]);
    expect(parseEnv(Egress, { EGRESS_ALLOW_CIDRS: " " }).EGRESS_ALLOW_CIDRS.allowed).toEqual([]);
  });

  it("when it lists ranges, then each is allowed", () => {
    const policy = parseEnv(Egress, { EGRESS_ALLOW_CIDRS: "10.0.0.0/8, fd00::/8" }).EGRESS_ALLOW_CIDRS;
    expect(policy.allowed.map(([range, bits]) => `${range.toString()}/${bits}`)).toEqual(["10.0.0.0/8", "fd00::/8"]);
  });

  it("when a range is malformed, then start-up fails naming the variable and the range", () => {
    const start = () => parseEnv(Egress, { EGRESS_ALLOW_CIDRS: "10.0.0.0/8,10.0.0/33" });
    expect(start).toThrow(/EGRESS_ALLOW_CIDRS/);
    expect(start).toThrow(/range 1 \('10\.0\.0\/33'\)/);
  });
});
