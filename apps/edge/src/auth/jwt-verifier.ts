import type { GatewayConfig } from "@gateway/contracts";
import { TenantId } from "@gateway/contracts";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { Principal } from "./principal.ts";

export interface JwtOptions {
  hs256Secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  tenantClaim: string;
  tierClaim: string;
  defaultTier?: string | undefined;
}

export type JwtVerifier = (token: string) => Promise<Principal | undefined>;

/** Three base64url segments: anything else is not worth handing to the verifier. */
export const looksLikeJwt = (token: string): boolean => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Bearer JWTs for user-facing apps, off unless a secret or JWKS URL is configured. Claims map to
 * tenant and tier; `exp` is required (a token that never expires cannot be revoked); an optional
 * `models` claim narrows the models. Limits apply per tenant (`jwt:<tenant>` as the key id).
 * Any failure is undefined: the caller answers the same 401 as for a bad API key.
 */
export function createJwtVerifier(options: JwtOptions, config: GatewayConfig): JwtVerifier | undefined {
  const key = options.hs256Secret
    ? { secret: new TextEncoder().encode(options.hs256Secret), algorithms: ["HS256"] }
    : options.jwksUrl
      ? { secret: createRemoteJWKSet(new URL(options.jwksUrl)), algorithms: ["RS256", "PS256", "ES256", "EdDSA"] }
      : undefined;
  if (!key) return undefined;
  const verifyOptions = {
    algorithms: key.algorithms,
    requiredClaims: ["exp", options.tenantClaim],
    ...(options.issuer && { issuer: options.issuer }),
    ...(options.audience && { audience: options.audience }),
  };

  const principalOf = (payload: JWTPayload): Principal | undefined => {
    const tenant = TenantId.safeParse(payload[options.tenantClaim]);
    const tierClaim = payload[options.tierClaim];
    const tier = typeof tierClaim === "string" ? tierClaim : options.defaultTier;
    if (!tenant.success || !tier || !config.tiers[tier]) return undefined;
    const models = payload.models;
    const allowed = Array.isArray(models) && models.every((m) => typeof m === "string") ? (models as string[]) : null;
    return { caller: { tenant_id: tenant.data, key_id: `jwt:${tenant.data}`, tier }, allowedModels: allowed, source: "jwt" };
  };

  return async (token) => {
    try {
      const { payload } = await (typeof key.secret === "function"
        ? jwtVerify(token, key.secret, verifyOptions)
        : jwtVerify(token, key.secret, verifyOptions));
      return principalOf(payload);
    } catch (err) {
      if (err instanceof errors.JOSEError) return undefined;
      throw err;
    }
  };
}
