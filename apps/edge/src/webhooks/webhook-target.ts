import type { WebhookKeyVersions } from "@gateway/contracts";
import { urlRefusal, type EgressPolicy } from "@gateway/egress";
import { AppError } from "@gateway/http";
import { createHint } from "./webhook-secret-admin.ts";
import type { SigningKeyCache } from "./signing-key-cache.ts";

export interface WebhookTargetDeps {
  policy: EgressPolicy;
  /** Unset: webhooks are off on this gateway. */
  masterKey: string | undefined;
  keys: SigningKeyCache;
  now?: () => number;
}

/** ipaddr.js's range names as a sentence says them. */
const RANGE_WORDS: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  linkLocal: "a link-local address (such as a cloud metadata service)",
  uniqueLocal: "a unique-local address",
  carrierGradeNat: "a carrier-grade NAT address",
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  broadcast: "a broadcast address",
};

/** urlRefusal's answers about the URL itself rather than where it points. */
const NOT_A_DESTINATION = new Set(["not a URL", "not an http(s) URL", "no host"]);

const refused = (message: string) => new AppError("invalid_request", message, { param: "webhook_url" });

function refusalMessage(refusal: string): string {
  if (NOT_A_DESTINATION.has(refusal)) return `webhook_url is ${refusal}`;
  return `webhook_url may not point at ${RANGE_WORDS[refusal] ?? `a ${refusal} address`}: webhooks go to public addresses only`;
}

/**
 * Checks a job's webhook before anything is admitted or queued, and says which versions of the
 * tenant's signing secret sign its delivery: the current one, and the previous one while its
 * rotation grace lasts. Refusals are 400s naming webhook_url; only a Postgres outage with nothing
 * cached for the tenant is a 503. Where a host name resolves to is checked again by the worker,
 * at connect time.
 */
export function webhookTarget({ policy, masterKey, keys, now = Date.now }: WebhookTargetDeps) {
  return async (tenantId: string, url: string): Promise<WebhookKeyVersions> => {
    const refusal = urlRefusal(url, policy);
    if (refusal) throw refused(refusalMessage(refusal));
    if (!masterKey)
      throw refused("webhooks are not configured on this gateway: submit the job without webhook_url, and poll it or follow its events");
    const key = await keys.get(tenantId).catch(() => {
      throw new AppError(
        "database_unavailable",
        "webhook signing keys cannot be looked up right now (the database is unreachable); retry",
        {
          retryAfter: 5,
        },
      );
    });
    if (!key)
      throw refused(`tenant '${tenantId}' has no webhook signing secret yet: an operator must create one (${createHint(tenantId)})`);
    const previousLive = key.previousVersion !== null && key.previousExpiresAt !== null && key.previousExpiresAt.getTime() > now();
    return previousLive ? [key.version, key.previousVersion!] : [key.version];
  };
}

export type WebhookTarget = ReturnType<typeof webhookTarget>;
