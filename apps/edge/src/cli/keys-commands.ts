import { userInfo } from "node:os";
import { CreateApiKeyRequest, UpdateApiKeyRequest, type ApiKey, type ApiKeyWithSecret } from "@gateway/contracts";
import type { CliEnv } from "../env.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { createKeyAdmin } from "../keys/key-admin.ts";
import { toApiKey } from "../keys/key-record.ts";
import { createKeyRepository } from "../keys/key-repository.ts";
import { UsageError, type Args } from "./cli-args.ts";

export interface Output {
  json: boolean;
  print(line: string): void;
}

const actor = () => ({ actor: `cli:${userInfo().username}` });

/** "30d", "12h", "90m" from now, or an ISO timestamp; "never" clears it. */
export function expiryOf(value: string | undefined, now = Date.now()): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === "never") return null;
  const relative = /^(\d+)([dhm])$/.exec(value);
  if (relative)
    return new Date(now + Number(relative[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as "d" | "h" | "m"]).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--expires must be like 30d, 12h or an ISO timestamp, not '${value}'`);
  return new Date(value).toISOString();
}

const modelsOf = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value === "all"
      ? null
      : value
          .split(",")
          .map((m) => m.trim())
          .filter(Boolean);

function describe(key: ApiKey): string {
  const state = key.revoked_at ? `revoked ${key.revoked_at}` : key.expires_at ? `expires ${key.expires_at}` : "active";
  return `${key.id}  ${key.prefix}…  tenant=${key.tenant_id}  tier=${key.tier}  name=${key.name}  models=${key.allowed_models?.join(",") ?? "all"}  ${state}  last used ${key.last_used_at ?? "never"}`;
}

function showSecret(out: Output, key: ApiKeyWithSecret, what: string): void {
  if (out.json) return out.print(JSON.stringify(key));
  out.print(`${what} ${describe(key)}`);
  out.print(`secret: ${key.secret}`);
  out.print("The secret is shown this once; only its hash is stored.");
  if (key.previous_secret_expires_at) out.print(`The previous secret works until ${key.previous_secret_expires_at}.`);
}

/** `keys <command>`: the admin API's operations, straight against the key store. */
export async function runKeysCommand(args: Args, env: CliEnv, prisma: PrismaClient, out: Output): Promise<void> {
  const admin = createKeyAdmin(prisma, { config: env.gateway, rotationGraceS: env.KEY_ROTATION_GRACE_S });
  const repository = createKeyRepository(prisma);
  const print = (key: ApiKey) => out.print(out.json ? JSON.stringify(key) : describe(key));
  const found = <T>(value: T | undefined, id: string): T => {
    if (value === undefined) throw new UsageError(`no API key ${id}`);
    return value;
  };

  switch (args.command) {
    case "create": {
      const tenant = args.string("tenant") ?? "default";
      const name = args.required("name");
      if (args.flag("if-missing")) {
        const existing = await prisma.apiKey.findFirst({ where: { tenantId: tenant, name, revokedAt: null } });
        if (existing)
          return out.print(
            out.json
              ? JSON.stringify(toApiKey(existing))
              : `exists: ${describe(toApiKey(existing))} (its secret was shown when it was created)`,
          );
      }
      const request = CreateApiKeyRequest.parse({
        tenant_id: tenant,
        name,
        tier: args.required("tier"),
        allowed_models: modelsOf(args.string("models")) ?? null,
        expires_at: expiryOf(args.string("expires")) ?? null,
      });
      return showSecret(out, await admin.create(request, actor()), "created");
    }
    case "list": {
      let after = args.string("after");
      const limit = Number(args.string("limit") ?? 100);
      for (;;) {
        const page = await repository.list({ tenantId: args.string("tenant"), after, limit: Math.min(limit, 100) });
        page.data.map(toApiKey).forEach(print);
        if (!page.hasMore || args.string("limit")) return;
        after = page.data.at(-1)?.id;
      }
    }
    case "get":
      return print(toApiKey(found(await repository.get(args.target()), args.target())));
    case "update": {
      const fields = {
        name: args.string("name"),
        tier: args.string("tier"),
        allowed_models: modelsOf(args.string("models")),
        expires_at: expiryOf(args.string("expires")),
      };
      const patch = UpdateApiKeyRequest.parse(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
      return print(found(await admin.update(args.target(), patch, actor()), args.target()));
    }
    case "rotate": {
      const grace = args.string("grace");
      return showSecret(
        out,
        found(await admin.rotate(args.target(), grace === undefined ? undefined : Number(grace), actor()), args.target()),
        "rotated",
      );
    }
    case "revoke":
      return print(found(await admin.revoke(args.target(), actor()), args.target()));
    case "import":
      return importKeys(env, admin, out);
    default:
      throw new UsageError(`unknown command 'keys ${args.command ?? ""}'`);
  }
}

/** Moves the keys of the old GATEWAY_API_KEYS setting (`key:tenant:tier,…`) into the store, secrets unchanged. */
async function importKeys(env: CliEnv, admin: ReturnType<typeof createKeyAdmin>, out: Output): Promise<void> {
  if (!env.GATEWAY_API_KEYS) throw new UsageError("set GATEWAY_API_KEYS to the `key:tenant:tier,…` list to import");
  for (const triple of env.GATEWAY_API_KEYS.split(",")) {
    const [secret, tenant, tier] = triple.trim().split(":");
    if (!secret || secret.length < 16 || !tenant || !tier)
      throw new UsageError(`not a key:tenant:tier triple with a key of 16+ characters: '${triple.slice(0, 4)}…'`);
    const key = await admin.create(CreateApiKeyRequest.parse({ tenant_id: tenant, name: "imported", tier }), actor(), secret);
    out.print(out.json ? JSON.stringify({ ...key, secret: undefined }) : `imported ${describe(key)}`);
  }
}
