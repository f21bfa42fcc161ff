import type { Caller } from "@gateway/contracts";

/** Who is calling, as authentication found out: the job's Caller plus what the credential allows. */
export interface Principal {
  caller: Caller;
  /** Model ids or aliases the credential may use; null means every configured model. */
  allowedModels: readonly string[] | null;
  source: "key" | "jwt";
}
