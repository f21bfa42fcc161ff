import { KeyTokens, Reconciliation, UsageRange, type ReconcileQuery } from "@gateway/contracts";
import { AppError } from "@gateway/http";

export interface BillingClient {
  usageRange(tenantId: string, from: string, to: string, requestId?: string): Promise<UsageRange>;
  keyTokens(date: string, keyIds: readonly string[]): Promise<KeyTokens>;
  /** Billing's side of `pnpm gateway usage reconcile`. */
  reconcile(query: ReconcileQuery): Promise<Reconciliation>;
}

export interface BillingClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

/** The one client of billing's internal API; any failure is a 503 to our own caller, never a 500. */
export function createBillingClient({ url, token, timeoutMs }: BillingClientOptions): BillingClient {
  async function get<T>(path: string, params: URLSearchParams, parse: (body: unknown) => T, requestId?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${url}${path}?${params}`, {
        headers: { authorization: `Bearer ${token}`, ...(requestId && { "x-request-id": requestId }) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new AppError("backend_unavailable", "the usage service is unavailable", { retryAfter: 5 });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AppError("backend_unavailable", `the usage service answered ${res.status}`, { retryAfter: 5 });
    }
    return parse(await res.json());
  }
  return {
    usageRange: (tenantId, from, to, requestId) =>
      get("/internal/v1/usage", new URLSearchParams({ tenant_id: tenantId, from, to }), (b) => UsageRange.parse(b), requestId),
    keyTokens: (date, keyIds) =>
      get("/internal/v1/usage/keys", new URLSearchParams([["date", date], ...keyIds.map((id): [string, string] => ["key_id", id])]), (b) =>
        KeyTokens.parse(b),
      ),
    reconcile: ({ from, to, settle_s }) =>
      get("/internal/v1/reconcile", new URLSearchParams({ from, to, settle_s: String(settle_s) }), (b) => Reconciliation.parse(b)),
  };
}
