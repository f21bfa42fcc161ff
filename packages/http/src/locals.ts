declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by requestId on every request, echoed in `x-request-id` and in every error envelope. */
      requestId: string;
      /** True when the id came from the caller's x-request-id header. */
      requestIdFromClient: boolean;
    }
  }
}

export {};
