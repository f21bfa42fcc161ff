import { z } from "zod";

/** "true"/"1"/"yes" and "false"/"0"/"no": never z.coerce.boolean, for which "false" is true. */
export const envBoolean = z.enum(["true", "false", "1", "0", "yes", "no", ""]).transform((v) => v === "true" || v === "1" || v === "yes");

/** Parses an env-like record with a schema, or throws one error listing every bad variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) throw new Error(`invalid environment:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
