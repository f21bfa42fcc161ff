import { AppError } from "@gateway/http";
import { Prisma } from "../generated/prisma/client.ts";

/** Prisma's codes for "the database cannot be reached": can't reach, timed out, connection closed. */
const UNREACHABLE = new Set(["P1001", "P1002", "P1008", "P1017"]);
/** What a raw query's error (P2010) says when the connection, not the query, failed. */
const CONNECTION_LOST = /can't reach database server|connection terminated|connection refused|ECONNREFUSED|timeout|terminating connection/i;

/**
 * A database outage as a client sees it: 503 `database_unavailable` with Retry-After (the
 * conversations and the admin API need the database; inference does not), never a 500.
 */
export function databaseUnavailable(err: unknown): AppError | undefined {
  const unreachable =
    err instanceof Prisma.PrismaClientKnownRequestError
      ? UNREACHABLE.has(err.code) || (err.code === "P2010" && CONNECTION_LOST.test(err.message))
      : err instanceof Prisma.PrismaClientInitializationError ||
        (err instanceof Error && CONNECTION_LOST.test(err.message) && /postgres|database|pg/i.test(err.stack ?? ""));
  if (!unreachable) return undefined;
  return new AppError(
    "database_unavailable",
    "the gateway's database cannot be reached right now; inference goes on, this does not; retry",
    {
      retryAfter: 5,
    },
  );
}
