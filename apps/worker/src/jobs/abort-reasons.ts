/** Abort reasons a job's signal can carry: the edge cancelled it, or this worker is shutting down. */
export class CancelledAbort extends Error {
  override name = "CancelledAbort";
}
export class ShutdownAbort extends Error {
  override name = "ShutdownAbort";
}
