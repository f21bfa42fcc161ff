import type { z } from "zod";

/**
 * The model a request names must be one of `models` (ids and aliases of the models with the
 * pool it needs): otherwise an issue tagged model_not_found (a 404, as OpenAI answers). Says
 * whether it is.
 */
export function checkModel(models: { has(name: string): boolean }, name: string, ctx: z.RefinementCtx, what = "model"): boolean {
  if (models.has(name)) return true;
  ctx.addIssue({ code: "custom", path: ["model"], message: `unknown ${what} '${name}'`, params: { kind: "model_not_found" } });
  return false;
}

/** Each of `fields` the request sets must be within the model's max_tokens (an issue tagged max_tokens_exceeded). */
export function checkMaxTokens<F extends string>(
  req: Partial<Record<F, number | undefined>> & { model: string },
  fields: readonly F[],
  maxOutputTokens: number,
  ctx: z.RefinementCtx,
): void {
  for (const field of fields) {
    const value = req[field];
    if (value !== undefined && value > maxOutputTokens) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `must be at most ${maxOutputTokens} for model '${req.model}'`,
        params: { kind: "max_tokens_exceeded" },
      });
    }
  }
}
