import type { CounterResult } from "../checker/counter.js";
import type { QueueResult } from "../checker/queue.js";
import type { SetResult } from "../checker/set.js";
import type { History, Op } from "../history/op.js";
import type { RunResults, TestRecord } from "../rundir/record.js";
import { runMetrics } from "./runMetrics.js";
import { windowFigures } from "./windows.js";
import type { FaultFigures, SummaryMetrics } from "../rundir/summary.js";
import { pairOps } from "../history/pair.js";

export type { SummaryMetrics };

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
