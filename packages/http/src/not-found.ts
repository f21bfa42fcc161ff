import { AppError } from "./app-error.ts";
import type { RequestHandler } from "express";

/** The last handler of a service: a path no route serves is a 404 in the one envelope, never an HTML page. */
export const notFound: RequestHandler = (req) => {
  throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
};
