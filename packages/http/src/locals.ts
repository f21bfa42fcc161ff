declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by requestId on every request, echoed in `x-request-id` and in every error envelope. */
      requestId: string;
      /** The caller's own id for the request (requestId's clientLabel): a label, never a key. */
      clientRequestId?: string;
    }
  }
}

export {};
