import type { RequestHandler } from "express";
import { AppError } from "./app-error.ts";

/** Every path the edge serves and its methods: unknown paths are 404, known ones with another method 405. */
export const ROUTES: ReadonlyArray<{ path: string; methods: readonly string[] }> = [
  { path: "/v1/chat/completions", methods: ["POST"] },
  { path: "/healthz", methods: ["GET", "HEAD"] },
  { path: "/readyz", methods: ["GET", "HEAD"] },
  { path: "/metrics", methods: ["GET"] },
];

export const unmatchedRoute: RequestHandler = (req) => {
  const route = ROUTES.find((r) => r.path === req.path);
  if (route) {
    throw new AppError("method_not_allowed", `${req.method} is not allowed on ${req.path}`, {
      headers: { allow: route.methods.join(", ") },
    });
  }
  throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
};
