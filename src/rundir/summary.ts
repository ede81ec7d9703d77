/** results.json's run figures (`summary.metrics`), computed by src/metrics and read by report, compare and tools. */

/**
 * One fault's figures. Relative times are seconds after the fault was fully in place (its start op completed; a
 * partition is applied node by node, which took seconds on a loaded host), negative when before that.
 */
export interface FaultFigures {
  fault: string;
  /** 1-based position among the run's faults. */
  n: number;
  /** Seconds since the workload began: the start's invocation to the stop's completion. */
  fromS: number;
  toS: number;
  /** Seconds the start took to apply (invocation to completion). */
  applyS: number;
  /** Seconds the fault stood fully in place: the start's completion to the stop's invocation. */
  heldS: number;
  /** Writes acknowledged while this fault owned the time (from PRE_FAULT_S before it to that before the next). */
  acknowledged: number;
  lostAcknowledged: number;
  lostFraction: number | null;
  /** Earliest and latest acknowledgement of its lost writes, relative to the fault's start; null when none. */
  lostFromS: number | null;
  lostToS: number | null;
  /** lostToS - lostFromS; 0 when nothing was lost. */
  lossWindowS: number;
  /** The longest stretch without an acknowledged write that overlapped the fault, and where it lay (relative). */
  writeStallS: number;
  stallFromS: number | null;
  stallToS: number | null;
  /**
   * The node that acknowledged the most writes in the second before the fault, and the first acknowledgement by any
   * other node after the fault began (relative): when clients followed a failover, if they did.
   */
  writerBefore: string | null;
  otherWriter: string | null;
  otherWriterFromS: number | null;
  /**
   * Relative: when the stop completed (the fault fully healed), and when the workload stopped writing. A window
   * that runs past the heal, or up to the workload's end, has another cause or was cut short by the run itself.
   */
  healedS?: number;
  workloadEndS?: number | null;
}

/**
 * results.json's `summary.metrics`: the figures tools read by name. Rates and times rather than bare counts, because
 * a count of lost writes grows with throughput: a faster engine loses more writes in the same partition.
 */
export interface SummaryMetrics {
  /** Writes a checker could call lost that were acknowledged (set elements, queue jobs, counter units). */
  acknowledged: number | null;
  lostAcknowledged: number | null;
  /** lostAcknowledged / acknowledged; null when nothing could be lost. */
  lostFraction: number | null;
  /** The largest per-fault span of acknowledgement times of lost writes (s); 0 when none was lost. */
  lossWindowS: number | null;
  /** The longest stretch of the workload with no acknowledged write (s). */
  writeStallS: number | null;
  /** ok / (ok + fail + info) over the workload's client ops. */
  availabilityOps: number | null;
  /** Share of 100 ms slices of the workload with at least one acknowledged write. */
  availabilityTime: number | null;
  /** ok ops per second of workload. */
  throughput: number | null;
  /** The workload's client ops by outcome (info: indeterminate, never counted as lost). */
  outcomes: { ok: number; fail: number; info: number };
  /** Lost acknowledged writes acknowledged before any fault (they belong to no window). */
  lostOutsideFaults: number;
  /** True when a lost-write checker could not decide: the loss figures are lower bounds. */
  lostIsLowerBound: boolean;
  /** Per fault, in the order they began; relative times are seconds after that fault's start. */
  faults: FaultFigures[];
}
