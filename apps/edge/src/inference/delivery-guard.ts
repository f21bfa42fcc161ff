import type { ChunkMessage } from "@gateway/contracts";

/** What a client reading a stream is told when its job's worker died after part of the answer. */
export const RESTARTED_MESSAGE =
  "the worker serving this stream failed after sending part of the answer; the partial answer cannot be resumed";

/**
 * A job re-delivered after its worker died streams again from seq 0: once a client has part of
 * one delivery's answer, another delivery's chunks must not be spliced in (duplicated text).
 * The guard says, per chunk: deliver it, end the stream now (the first chunk of another
 * delivery), or drop it (that delivery's later chunks).
 */
export function deliveryGuard(): (chunk: ChunkMessage) => "deliver" | "restarted" | "drop" {
  let attempt: number | undefined;
  let restarted = false;
  return (chunk) => {
    const delivery = chunk.attempt ?? 1;
    if (attempt === undefined || delivery === attempt) {
      attempt = delivery;
      return restarted ? "drop" : "deliver";
    }
    if (restarted) return "drop";
    restarted = true;
    return "restarted";
  };
}
