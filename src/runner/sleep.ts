/** Resolves after `ms`, or at once when `signal` aborts: waits in a run must never outlast an interrupt. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The longest delay Node's timers hold: setTimeout stores it as a signed 32-bit number of milliseconds and fires a
 * longer one after 1 ms instead (with only a warning), so every duration a run waits on must stay at or below it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
