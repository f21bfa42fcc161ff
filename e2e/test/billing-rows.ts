import type pg from "pg";
import { expect } from "vitest";

/** Billing is asynchronous: waits until the request's usage row exists, then gives a duplicate time to land, and reads them all. */
export async function usageRows(db: pg.Client, requestId: string): Promise<Record<string, unknown>[]> {
  await expect
    .poll(async () => (await db.query("SELECT count(*)::int AS n FROM usage_records WHERE request_id = $1", [requestId])).rows[0].n, {
      timeout: 15_000,
    })
    .toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 500));
  return (await db.query("SELECT * FROM usage_records WHERE request_id = $1", [requestId])).rows;
}

/** A model's detail from the edge, as a client with the system's key sees it. */
export async function modelDetail(edgeUrl: string, apiKey: string, model: string) {
  const res = await fetch(`${edgeUrl}/v1/models/${model}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return (await res.json()) as {
    status: string;
    ready_backends: number;
    details: { context_length: number | null };
    backends: { id: string; state: string; breaker: string | null }[];
  };
}

/** The usage rows of a request the client labelled with its own id (x-client-request-id): billed under the gateway's id. */
export async function usageRowsByClientId(db: pg.Client, clientRequestId: string): Promise<Record<string, unknown>[]> {
  await expect
    .poll(
      async () =>
        (await db.query("SELECT count(*)::int AS n FROM usage_records WHERE client_request_id = $1", [clientRequestId])).rows[0].n,
      {
        timeout: 15_000,
      },
    )
    .toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 500));
  return (await db.query("SELECT * FROM usage_records WHERE client_request_id = $1", [clientRequestId])).rows;
}
