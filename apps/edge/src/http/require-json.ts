import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

export const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is("application/json")) {
    throw new AppError("unsupported_media_type", "Content-Type must be application/json");
  }
  next();
};
