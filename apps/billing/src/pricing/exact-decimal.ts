import { Prisma } from "../generated/prisma/client.ts";

/**
 * Prisma's Decimal rounds every operation to 20 significant digits; token counts times prices
 * with 12 fraction digits, and sums of costs with 15, can need more. This one never rounds them.
 */
export const ExactDecimal = Prisma.Decimal.clone({ precision: 64 });
export type ExactDecimal = InstanceType<typeof ExactDecimal>;
