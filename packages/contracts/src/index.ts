export * from "./chat.ts";
export * from "./config.ts";
export * from "./errors.ts";
export * from "./job.ts";
export * from "./relay.ts";
export * from "./usage.ts";
