import { PathId } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Request } from "express";
import { z } from "zod";
import { validationError } from "./validation-error.ts";

/** Parses a query or body with its contract; a mismatch is a 400 naming each field, never a 500. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues);
}

/**
 * Parses an API request body, which must be a JSON object: a mismatch is a 400 naming each
 * field, with `unsupported_parameter` for the top-level fields the gateway refuses on purpose.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, unsupported: ReadonlySet<string>): z.infer<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("invalid_request", "the request body must be a JSON object");
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues, unsupported);
}

const IdParams = z.object({ id: PathId });

/** The resource id of a path (`:id`): storable text, bounded, or a 400 naming `id` (never a database error). */
export const pathId = (req: Request): string => parseInput(IdParams, req.params).id;
