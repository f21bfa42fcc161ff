import type { Caller } from "@gateway/contracts";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      /** True when the id came from the client's x-request-id header. */
      requestIdFromClient: boolean;
      caller: Caller;
    }
  }
}
