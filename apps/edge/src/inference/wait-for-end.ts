import { attachToLog, type EventLog } from "../resume/event-log.ts";
import type { Terminal } from "./terminal.ts";

/**
 * A request's last word, from its event log, once it lands (at once if it already has), or
 * undefined when `timeoutMs` passes first: for answers given by a process that did not run the
 * job itself (repeats of an idempotent request, async jobs' settlement).
 */
export async function waitForEnd(events: EventLog, requestId: string, timeoutMs: number): Promise<Terminal | undefined> {
  let stop: (() => void) | undefined;
  let done = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Terminal | undefined>((resolve, reject) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      timer.unref();
      attachToLog(events, requestId, "-", ({ message }) => {
        if (message.type !== "chunk") resolve(message);
      }).then((off) => (done ? off() : (stop = off)), reject);
    });
  } finally {
    // The end may come from the replay, before following was even set up: stop it once it is.
    done = true;
    clearTimeout(timer);
    stop?.();
  }
}
