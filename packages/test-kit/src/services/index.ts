export * from "./postgres-cluster.ts";
export * from "./redis-server.ts";
