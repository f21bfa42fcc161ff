import type { BackendMeta, BackendState } from "@gateway/contracts";
import type { BackendBreaker } from "./backend-breaker.ts";

/** Slots assumed for a backend before its /slots answered: llama-server's default `-np` is 4 on recent builds. */
export const DEFAULT_SLOTS = 4;

export interface Backend {
  readonly url: string;
  readonly breaker: BackendBreaker;
  state: BackendState;
  slots: number;
  slotsKnown: boolean;
  /** Slots `/slots` showed processing at the last probe, null when unknown. */
  busy: number | null;
  /** Leases every worker together holds on it, as of the last probe round. */
  leased: number;
  /** Requests this worker has open on it. */
  inFlight: number;
  meta: BackendMeta;
  metaKnown: boolean;
  probedAt: number;
}

export function newBackend(url: string, breaker: BackendBreaker): Backend {
  return {
    url,
    breaker,
    state: "unknown",
    slots: DEFAULT_SLOTS,
    slotsKnown: false,
    busy: null,
    leased: 0,
    inFlight: 0,
    meta: {},
    metaKnown: false,
    probedAt: 0,
  };
}
