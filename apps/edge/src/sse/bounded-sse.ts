import type { Response } from "express";

/** Where SSE text goes: the response, unless its client stopped reading. */
export interface SseOut {
  write(text: string): void;
  end(): void;
}

/**
 * An SSE response with a bound on what may wait for its client: once more than `limitBytes` are
 * buffered in the edge (socket and response together), the client has stopped reading and is
 * cut off. Its response closes, so its request ends as a client that left (cancelled after any
 * resume grace, what was produced billed) and the edge's memory stays bounded.
 */
export function boundedSse(res: Response, limitBytes: number, onCut: () => void): SseOut {
  return {
    write(text) {
      if (res.destroyed) return;
      res.write(text);
      if (res.writableLength > limitBytes) {
        onCut();
        res.destroy();
      }
    },
    end() {
      if (!res.destroyed) res.end();
    },
  };
}
