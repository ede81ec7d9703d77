/**
 * The one clock of a run: monotonic nanoseconds since the test started. Every op and every fault carries its
 * reading, so real-time order in the history never depends on the wall clock (which NTP may step).
 */
export interface Clock {
  /** Nanoseconds since the clock started, as a safe integer (2^53 ns is ~104 days). */
  now(): number;
}

export function monotonicClock(): Clock {
  const start = process.hrtime.bigint();
  return { now: () => Number(process.hrtime.bigint() - start) };
}

export function formatOffset(ns: number): string {
  const totalMs = Math.round(ns / 1e6);
  const m = Math.floor(totalMs / 60000);
  const s = ((totalMs % 60000) / 1000).toFixed(1).padStart(4, "0");
  return `${String(m).padStart(2, "0")}:${s}`;
}
