/**
 * Why a log line was dropped instead of written: `broken_pipe` (the reader of stdout is gone),
 * `backpressure` (the reader is too far behind: the buffer is full, or the process is exiting),
 * `write_error` (any other failed write, e.g. a closed descriptor). A closed set: a label.
 */
export const DROP_REASONS = ["broken_pipe", "backpressure", "write_error"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Per process, like stdout itself, so that every registry of the process can report it. */
const dropped: Record<DropReason, number> = { broken_pipe: 0, backpressure: 0, write_error: 0 };

export function countDroppedLines(reason: DropReason, lines = 1): void {
  dropped[reason] += lines;
}

/** Lines dropped so far in this process, by reason. */
export function droppedLogLines(): Readonly<Record<DropReason, number>> {
  return dropped;
}
