import type { Caller } from "@gateway/contracts";
import type { Principal } from "../auth/principal.ts";

// requestId and clientRequestId come with @gateway/http's requestId middleware.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      caller: Caller;
      /** The authenticated credential: caller plus what it allows (set by authenticate). */
      principal: Principal;
      /** True when the request carried the admin credential. */
      admin?: boolean;
      /** Time the worker spent in llama-server calls for this request (its last word says): for the overhead metric. */
      backendMs?: number;
    }
  }
}
