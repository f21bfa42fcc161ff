/** The four timers of one backend call, in ms: connect in the undici Pool, the rest in StreamWatchdog. */
export interface BackendTimeouts {
  connectMs: number;
  firstTokenMs: number;
  idleMs: number;
  totalMs: number;
}
