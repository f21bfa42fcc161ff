import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { KeyRecord } from "./key-record.ts";

/** A presented secret's key, and when that secret stops working (set once it was rotated out). */
export interface SecretMatch {
  key: KeyRecord;
  secretExpiresAt: Date | null;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface KeyRepository {
  findBySecretHash(hash: string): Promise<SecretMatch | undefined>;
  get(id: string): Promise<KeyRecord | undefined>;
  /** Keys in creation order after the `after` id; one more row than asked tells whether more exist. */
  list(query: { tenantId?: string | undefined; after?: string | undefined; limit: number }): Promise<Page<KeyRecord>>;
  /** One statement for a whole batch; never moves a timestamp backwards (replicas flush independently). */
  touch(lastUsed: ReadonlyMap<string, Date>): Promise<void>;
  ping(): Promise<void>;
}

export function createKeyRepository(prisma: PrismaClient): KeyRepository {
  return {
    async findBySecretHash(hash) {
      const secret = await prisma.apiKeySecret.findUnique({ where: { hash }, include: { key: true } });
      return secret ? { key: secret.key, secretExpiresAt: secret.expiresAt } : undefined;
    },

    async get(id) {
      return (await prisma.apiKey.findUnique({ where: { id } })) ?? undefined;
    },

    async list({ tenantId, after, limit }) {
      const rows = await prisma.apiKey.findMany({
        where: { ...(tenantId !== undefined && { tenantId }), ...(after !== undefined && { id: { gt: after } }) },
        orderBy: { id: "asc" },
        take: limit + 1,
      });
      return { data: rows.slice(0, limit), hasMore: rows.length > limit };
    },

    async touch(lastUsed) {
      if (lastUsed.size === 0) return;
      const values = [...lastUsed].map(([id, at]) => Prisma.sql`(${id}, ${at}::timestamptz)`);
      await prisma.$executeRaw`
        UPDATE api_keys AS k SET last_used_at = v.at
          FROM (VALUES ${Prisma.join(values)}) AS v(id, at)
         WHERE k.id = v.id AND (k.last_used_at IS NULL OR k.last_used_at < v.at)`;
    },

    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
  };
}
