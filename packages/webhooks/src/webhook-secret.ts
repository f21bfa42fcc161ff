import { createHmac } from "node:crypto";

/**
 * A tenant's signing secret for one version, in the Standard Webhooks form (`whsec_` + base64 of
 * 32 key bytes). Derived from the master key, never stored: edges (to show it) and workers (to
 * sign with it) compute the same secret from the version a job carries. Tenant ids cannot hold
 * "/" and versions are integers, so no two (tenant, version) pairs share an input.
 */
export function deriveWebhookSecret(masterKey: string, tenantId: string, version: number): string {
  const bytes = createHmac("sha256", masterKey).update(`gateway-webhook-secret/v1/${tenantId}/${version}`).digest();
  return `whsec_${bytes.toString("base64")}`;
}
