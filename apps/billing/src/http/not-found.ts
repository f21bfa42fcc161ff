import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

export const notFound: RequestHandler = (req) => {
  throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
};
