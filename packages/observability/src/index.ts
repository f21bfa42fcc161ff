export * from "./logger.ts";
export * from "./metrics-registry.ts";
