export * from "./app-error.ts";
export * from "./error-envelope.ts";
export * from "./error-handler.ts";
export * from "./health-routes.ts";
export * from "./request-id.ts";
export * from "./not-found.ts";
export * from "./express-server.ts";
export * from "./with-timeout.ts";
