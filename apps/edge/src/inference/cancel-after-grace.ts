/**
 * A stream whose reader left keeps generating into its event log for `graceMs`, for a reconnect
 * through its resume URL (on any replica); then it is cancelled unless a reader is attached.
 * An attachment count that cannot be read counts as nobody: the job is cancelled.
 */
export function cancelAfterGrace(graceMs: number, isAttached: () => Promise<boolean>, cancel: () => void): void {
  const timer = setTimeout(() => {
    isAttached().then(
      (attached) => attached || cancel(),
      () => cancel(),
    );
  }, graceMs);
  timer.unref();
}
