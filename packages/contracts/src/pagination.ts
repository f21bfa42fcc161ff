import { z } from "zod";

/**
 * A page of any list, in the one cursor scheme every list uses (the query is `ListQuery` in
 * keys.ts, where it was first defined): `has_more` says whether asking again with
 * `after` = `last_id` returns more.
 */
export const listPage = <T extends z.ZodType>(item: T) =>
  z.object({
    object: z.literal("list"),
    data: z.array(item),
    has_more: z.boolean(),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
  });
