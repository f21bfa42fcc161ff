export * from "./catalog.ts";
export * from "./consumer.ts";
export * from "./producer.ts";
export * from "./redis-connection.ts";
export * from "./queue-depth.ts";
export * from "./heartbeat.ts";
export * from "./usage-events.ts";
