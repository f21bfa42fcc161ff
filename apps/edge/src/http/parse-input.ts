import type { z } from "zod";
import { validationError } from "./validation-error.ts";

/** Parses a query or body with its contract; a mismatch is a 400 naming each field, never a 500. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error.issues);
}
