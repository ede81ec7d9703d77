import { checkerKind, checkerKinds } from "../checker/kinds.js";
import type { History, Op } from "../history/op.js";
import { type RunResults, type TestRecord, workloadOf } from "../rundir/record.js";
import type { SummaryMetrics } from "../rundir/summary.js";
import { runMetrics } from "./runMetrics.js";
import { windowFigures } from "./windows.js";

export type { SummaryMetrics };

export function summaryMetrics(
  history: History,
  results: RunResults,
  test: Partial<Pick<TestRecord, "schedule" | "plan">>,
): SummaryMetrics {
  const base = runMetrics(history, results, test);
  const acknowledged = acknowledgedTotal(results);
  const windows = windowFigures({
    history,
    lostInvocations: lostInvocations(history, results),
    losable: base.lostAcknowledged !== null,
    canBeLost: losableWrites(results, test.plan),
  });
  return {
    acknowledged,
    lostAcknowledged: base.lostAcknowledged,
    lostFraction:
      base.lostAcknowledged === null || acknowledged === null
        ? null
        : acknowledged > 0
          ? base.lostAcknowledged / acknowledged
          : 0,
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

/** In the same units as lostAcknowledged: what each lost-write checker counts as acknowledged, summed. */
function acknowledgedTotal(results: RunResults): number | null {
  let total: number | null = null;
  for (const { checker, result } of results.checkers) {
    const losses = checkerKind(checker).losses;
    if (losses) total = (total ?? 0) + losses.acknowledged(result);
  }
  return total;
}

/**
 * Whether an acknowledged write is one a checker could call lost: asked of the checkers of the op's own workload,
 * or, for a history whose plan does not say which workload a process ran, of every checker that can time its losses.
 */
function losableWrites(results: RunResults, plan: Partial<TestRecord["plan"]> | undefined): (op: Op) => boolean {
  const byWorkload = new Map<string, Array<(op: Op) => boolean>>();
  for (const { workload, checker } of results.checkers) {
    const canBeLost = checkerKind(checker).losses?.canBeLost;
    if (canBeLost) byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), canBeLost]);
  }
  const any = checkerKinds().flatMap((k) => (k.losses?.canBeLost ? [k.losses.canBeLost] : []));
  return (op) => {
    const w = typeof op.process === "number" ? workloadOf(plan, op.process) : undefined;
    return (w !== undefined ? (byWorkload.get(w) ?? []) : any).some((canBeLost) => canBeLost(op));
  };
}

/** The invocation of the acknowledged write of each lost acknowledged write, as each lost-write checker finds it. */
export function lostInvocations(history: History, results: RunResults): number[] {
  return results.checkers.flatMap(
    ({ checker, result }) => checkerKind(checker).losses?.lostInvocations?.(result, history) ?? [],
  );
}
