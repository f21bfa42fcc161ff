import type { Response } from "express";
import type { Admission } from "./admission.ts";

/**
 * A reader attached to a request's event log (a resumed stream, a job's events, an idempotent
 * repeat) holds the edge open like a request: it is admitted against the key's requests per
 * minute and concurrency (nothing to reserve in tokens), and gives its slot back when it leaves.
 * Without this, N readers that never finish would be N unlimited streams.
 */
export async function admitReader(admission: Admission, res: Response): Promise<void> {
  const ticket = await admission.admit({
    requestId: res.locals.requestId,
    caller: res.locals.caller,
    prompt: { upperBound: 0 },
    maxTokens: 0,
  });
  for (const [name, value] of Object.entries(ticket.headers)) res.setHeader(name, value);
  if (res.closed) ticket.release(undefined);
  else res.once("close", () => ticket.release(undefined));
}
