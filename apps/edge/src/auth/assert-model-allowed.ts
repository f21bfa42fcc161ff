import type { GatewayConfig } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { modelIndex } from "../models/model-index.ts";
import type { Principal } from "./principal.ts";

/**
 * 403 unless the credential may use `requested`. A model allowed under its id is allowed under
 * its aliases too, and the other way round: renaming in the client must not change permissions.
 */
export function assertModelAllowed(principal: Principal, requested: string, config: GatewayConfig): void {
  const allowed = principal.allowedModels;
  if (!allowed) return;
  const model = modelIndex(config).get(requested);
  const names = model ? [model.id, ...model.aliases] : [requested];
  if (!names.some((name) => allowed.includes(name))) {
    throw new AppError("permission_denied", `this API key may not use model '${requested}'`, { param: "model" });
  }
}
