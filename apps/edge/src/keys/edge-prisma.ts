import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

/**
 * The runtime client needs none of the migrate workarounds in prisma.config.ts. Bounded waits:
 * an unreachable database must become an error (and a stale key served, or a 503) within
 * seconds, never a request that hangs on a connection or a query.
 */
export const createEdgePrisma = (connectionString: string): PrismaClient =>
  new PrismaClient({ adapter: new PrismaPg({ connectionString, connectionTimeoutMillis: 2_000, query_timeout: 5_000 }) });
