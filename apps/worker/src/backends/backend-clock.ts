/**
 * Time during which at least one backend call of a job was open: attempts of a chat job run one
 * after another, embeddings batches side by side, and neither slot waits nor backoffs count. The
 * edge subtracts it from its own time to get the gateway's overhead.
 */
export class BackendClock {
  private open = 0;
  private since = 0;
  private total = 0;

  enter(): void {
    if (this.open++ === 0) this.since = performance.now();
  }

  leave(): void {
    if (--this.open === 0) this.total += performance.now() - this.since;
  }

  /** Whole milliseconds so far, calls still open included. */
  ms(): number {
    return Math.round(this.total + (this.open > 0 ? performance.now() - this.since : 0));
  }
}
