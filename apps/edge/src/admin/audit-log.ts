import type { AuditAction, AuditEntry } from "@gateway/contracts";
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import type { Page } from "../keys/key-repository.ts";

/** Who did it: "admin-api" or "cli:<os user>", and the request it came in on. */
export interface Actor {
  actor: string;
  requestId?: string | null;
}

/** Writes one audit entry inside the transaction of the change it describes (never a secret in `details`). */
export const recordAudit = (
  tx: Prisma.TransactionClient,
  who: Actor,
  action: AuditAction,
  subject: { keyId: string | null; tenantId: string },
  details: Record<string, unknown>,
) =>
  tx.auditLog.create({
    data: {
      actor: who.actor,
      action,
      keyId: subject.keyId,
      tenantId: subject.tenantId,
      requestId: who.requestId ?? null,
      details: details as Prisma.InputJsonObject,
    },
  });

/** Audit entries newest first; `after` is the id of the last entry of the previous page. */
export async function listAudit(
  prisma: PrismaClient,
  query: { keyId?: string | undefined; after?: string | undefined; limit: number },
): Promise<Page<AuditEntry>> {
  const after = query.after && /^\d{1,19}$/.test(query.after) ? BigInt(query.after) : undefined;
  const rows = await prisma.auditLog.findMany({
    where: { ...(query.keyId && { keyId: query.keyId }), ...(after !== undefined && { id: { lt: after } }) },
    orderBy: { id: "desc" },
    take: query.limit + 1,
  });
  const data = rows.slice(0, query.limit).map((r): AuditEntry => ({
    id: r.id.toString(),
    object: "audit_entry",
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action as AuditEntry["action"],
    key_id: r.keyId,
    tenant_id: r.tenantId,
    request_id: r.requestId,
    details: (r.details ?? {}) as Record<string, unknown>,
  }));
  return { data, hasMore: rows.length > query.limit };
}
