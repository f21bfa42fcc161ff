import type { UpstreamError } from "../llama/upstream-error.ts";

/** No backend could take the request: none usable, or every attempt failed before the first token. */
export class NoBackendError extends Error {
  override name = "NoBackendError";
  constructor(
    readonly last: UpstreamError | undefined,
    message = last ? `every backend attempt failed; last: ${last.message}` : "no backend is available for this model",
  ) {
    super(message);
  }
}
