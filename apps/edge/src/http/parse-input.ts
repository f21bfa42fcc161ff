import type { z } from "zod";
import { AppError } from "./app-error.ts";

/** Parses a query or body with its contract; a mismatch is a 400 naming each field, never a 500. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: [...base, key].join("."), message: "unrecognized field" }));
    return [{ path: base.join("."), message: issue.message }];
  });
  const code = parsed.error.issues.some((i) => i.code === "unrecognized_keys") ? "unknown_parameter" : "invalid_request";
  throw new AppError(code, details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; "), { param: details[0]?.path || null, details });
}
