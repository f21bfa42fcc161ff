export * from "./load-gateway-config.ts";
export * from "./parse-env.ts";
export * from "./env-fields.ts";
export * from "./exact-cost.ts";
