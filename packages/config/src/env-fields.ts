import { egressPolicyFromList } from "@gateway/egress";
import { z } from "zod";

/** Compose files and shells pass unset variables as "": for optional settings that means unset. */
export const unlessBlank = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/** An optional setting: blank is unset, anything else must have some text. */
export const optionalString = unlessBlank(z.string().trim().min(1));

/** A duration in whole milliseconds, at least `min`. */
export const milliseconds = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** The interface to listen on: loopback by default (safe on a bare host); containers set 0.0.0.0. */
export const listenHost = z.string().min(1).default("127.0.0.1");

/** 0 asks the OS for a free port (tests). */
export const listenPort = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

export const redisUrl = z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379");

/** BullMQ key prefix and namespace of every Redis name: every service of one deployment must agree on it. */
export const queuePrefix = z.string().min(1).default("gw");

/**
 * `EGRESS_ALLOW_CIDRS`: address ranges inside the operator's network that tenant-chosen URLs
 * (webhooks, image URLs) may reach, comma-separated CIDRs ("10.0.0.0/8,fd00::/8"); blank: public
 * addresses only. A malformed range fails at start, naming it.
 */
export const egressAllowCidrs = z
  .string()
  .default("")
  .transform((list, ctx) => {
    try {
      return egressPolicyFromList(list);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });

/** WEBHOOK_MASTER_KEY: every tenant's webhook signing secrets are derived from it (edges and workers); unset: no webhooks. */
export const webhookMasterKey = unlessBlank(z.string().min(32, "must be at least 32 characters"));
