import type { CounterResult } from "../checker/counter.js";
import type { QueueResult } from "../checker/queue.js";
import type { SetResult } from "../checker/set.js";
import type { History, Op } from "../history/op.js";
import type { RunResults, TestRecord } from "../runner/checkRun.js";
import { runMetrics } from "./runMetrics.js";
import { windowFigures, type FaultFigures } from "./windows.js";
import { pairOps } from "../history/pair.js";

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

const LOSABLE_WORKLOADS = new Set(["set", "queue"]);

export function summaryMetrics(history: History, results: RunResults, test: Partial<Pick<TestRecord, "schedule" | "plan">>): SummaryMetrics {
  const base = runMetrics(history, results, test);
  const acknowledged = acknowledgedTotal(results);
  const plan = test.plan as Partial<TestRecord["plan"]> | undefined;
  const workloadOfOp = (op: Op): string | undefined =>
    plan?.slots && plan.concurrency && typeof op.process === "number" ? plan.slots[op.process % plan.concurrency] : undefined;
  const windows = windowFigures({
    history,
    lostInvocations: lostInvocations(history, results),
    losable: base.lostAcknowledged !== null,
    canBeLost: (op) => {
      const w = workloadOfOp(op);
      if (w !== undefined) return LOSABLE_WORKLOADS.has(w) && (op.f === "add" || op.f === "enqueue");
      return op.f === "enqueue" || (op.f === "add" && !Array.isArray(op.value));
    },
  });
  return {
    acknowledged,
    lostAcknowledged: base.lostAcknowledged,
    lostFraction: base.lostAcknowledged === null || acknowledged === null ? null : acknowledged > 0 ? base.lostAcknowledged / acknowledged : 0,
    lossWindowS: windows.lossWindowS,
    writeStallS: windows.writeStallS,
    availabilityOps: base.availability,
    availabilityTime: windows.availabilityTime,
    throughput: base.throughput,
    outcomes: { ok: base.ok, fail: base.fail, info: base.info },
    lostOutsideFaults: windows.lostOutsideFaults,
    lostIsLowerBound: base.lostIsLowerBound,
    faults: windows.faults,
  };
}

/** In the same units as lostAcknowledged: set elements, queue jobs and counter units acknowledged. */
function acknowledgedTotal(results: RunResults): number | null {
  let any = false;
  let n = 0;
  for (const { checker, result } of results.checkers) {
    if (checker === "set") n += (result as SetResult).acknowledged ?? 0;
    else if (checker === "queue") n += (result as QueueResult).acknowledged ?? 0;
    else if (checker === "counter") n += (result as CounterResult).acknowledgedSum ?? 0;
    else continue;
    any = true;
  }
  return any ? n : null;
}

/**
 * The invocation of the acknowledged add (or enqueue) of each lost acknowledged write. A set element can be known
 * first by a read that returned it before its ack arrived, so its acknowledged add is looked up rather than taken
 * from `knownBy`. Elements lost without any acknowledged add are left out: they have no acknowledgement time.
 */
export function lostInvocations(history: History, results: RunResults): number[] {
  const lostSet = new Set<string>();
  const out: number[] = [];
  for (const { checker, result } of results.checkers) {
    if (checker === "set") for (const l of (result as SetResult).lost ?? []) if (l.acknowledged) lostSet.add(`${l.key}\u0000${l.element}`);
    if (checker === "queue") for (const l of (result as QueueResult).lost ?? []) out.push(l.enqueuedBy);
  }
  if (lostSet.size === 0) return out;
  const firstAck = new Map<string, { index: number; time: number }>();
  for (const { invoke: inv, completion: op } of pairOps(history)) {
    if (op?.type !== "ok" || inv.f !== "add") continue;
    const id = `${inv.key === undefined || inv.key === null ? "" : String(inv.key)}\u0000${String(inv.value)}`;
    if (!lostSet.has(id)) continue;
    const prev = firstAck.get(id);
    const t = op.time ?? op.index;
    if (!prev || t < prev.time) firstAck.set(id, { index: inv.index, time: t });
  }
  for (const { index } of firstAck.values()) out.push(index);
  return out;
}
