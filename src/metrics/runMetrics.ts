import { checkerKind, checkerKinds } from "../checker/kinds.js";
import { mergeVerdicts, type Verdict } from "../core/exit.js";
import { type History, isClientOp, type Op } from "../history/op.js";
import type { RunResults, TestRecord } from "../rundir/record.js";

/**
 * The numbers people compare runs by (compare, audit, report): how much of the workload succeeded, how fast, and
 * how many acknowledged writes vanished. Pure: it reads a history and the checkers' results, never the cluster.
 *
 * Only the workload counts: client ops invoked after the runner began healing (the recovery's final reads) measure
 * the recovered cluster, not the cluster under faults, so they are left out of availability, latency and
 * throughput. An op that never completed counts as `info`, as Jepsen treats it.
 */
export interface RunMetrics {
  /** Client operations invoked during the workload. */
  ops: number;
  ok: number;
  fail: number;
  info: number;
  /** ok / (ok + fail + info): the share of attempts that succeeded; null without client ops. */
  availability: number | null;
  /** Milliseconds from invocation to acknowledgement of ok ops (nearest rank); null without timed ok ops. */
  latency: LatencySummary | null;
  /** ok ops per second of workload; null when the history carries no times. */
  throughput: number | null;
  /**
   * Acknowledged writes the checkers found missing: set elements lost + queue jobs lost + counter shortfall
   * (increments acknowledged but absent from the final value). Null when no workload can lose writes.
   */
  lostAcknowledged: number | null;
  lost: LostBreakdown;
  /**
   * Set elements that vanished although no add of theirs was acknowledged: a read returned them (e.g. from a primary
   * that was then demoted) and later reads did not. The checker calls them lost; they are not acknowledged writes,
   * so they are kept apart from lostAcknowledged.
   */
  lostUnacknowledged: number;
  /**
   * True when a lost-write checker could not decide (e.g. its final read did not succeed): the count is then a
   * lower bound, not a measurement of zero.
   */
  lostIsLowerBound: boolean;
  /**
   * The linearizability checker's verdict over the run (the figure its kind declares, src/checker/kinds.ts); null
   * when it did not run.
   */
  linearizable: Verdict | null;
  /** The run's overall verdict, and why it may be incomplete. */
  valid: Verdict;
  incomplete?: string;
  /** Seconds of workload (first invocation to the start of healing). */
  durationS: number | null;
  faults: FaultWindow[];
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Lost acknowledged writes per checker that can lose them, by checker name, in the order the checkers ran. */
export type LostBreakdown = Partial<Record<string, number>>;

/** A fault's active interval, in seconds since the workload began (as planned by the schedule). */
export interface FaultWindow {
  fault: string;
  fromS: number;
  toS: number;
}

const NS_PER_MS = 1e6;

export function runMetrics(history: History, results: RunResults, test: Pick<TestRecord, "schedule">): RunMetrics {
  const workload = workloadOps(history);
  const counts = { ok: 0, fail: 0, info: 0 };
  const latencies: number[] = [];
  const open = new Map<number, Op>();
  let invoked = 0;
  for (const op of workload.ops) {
    const p = op.process as number;
    if (op.type === "invoke") {
      invoked++;
      open.set(p, op);
      continue;
    }
    const inv = open.get(p);
    open.delete(p);
    counts[op.type]++;
    if (op.type === "ok" && inv?.time !== undefined && op.time !== undefined)
      latencies.push((op.time - inv.time) / NS_PER_MS);
  }
  // Still open when healing began: the runner stopped waiting for them, so they are indeterminate.
  counts.info += open.size;
  const completed = counts.ok + counts.fail + counts.info;
  const durationS = workload.spanNs === undefined ? null : workload.spanNs / 1e9;
  const lost = lostWrites(results);
  const metrics: RunMetrics = {
    ops: invoked,
    ...counts,
    availability: completed === 0 ? null : counts.ok / completed,
    latency: summarise(latencies),
    throughput: durationS && durationS > 0 ? counts.ok / durationS : null,
    lostAcknowledged: lost.total,
    lost: lost.breakdown,
    lostUnacknowledged: lost.unacknowledged,
    lostIsLowerBound: lost.lowerBound,
    ...verdictFigures(results),
    valid: results.valid,
    durationS,
    faults: faultWindows(test.schedule, durationS),
  };
  if (results.incomplete) metrics.incomplete = results.incomplete;
  return metrics;
}

/** Client ops of the workload proper: those invoked before the runner's `heal` (and its completions). */
function workloadOps(history: History): { ops: Op[]; spanNs: number | undefined } {
  const healAt = history.findIndex((op) => op.process === "nemesis" && op.f === "heal" && op.type === "invoke");
  const inWorkload = new Set<number | string>();
  const ops: Op[] = [];
  let first: number | undefined;
  let last: number | undefined;
  for (let i = 0; i < history.length; i++) {
    const op = history[i]!;
    if (!isClientOp(op)) continue;
    if (op.type === "invoke") {
      if (healAt >= 0 && i > healAt) continue;
      inWorkload.add(op.process);
      first ??= op.time;
    } else {
      if (!inWorkload.has(op.process)) continue;
      inWorkload.delete(op.process);
    }
    ops.push(op);
    if (op.time !== undefined) last = Math.max(last ?? op.time, op.time);
  }
  const end = healAt >= 0 ? history[healAt]!.time : last;
  return { ops, spanNs: first !== undefined && end !== undefined ? Math.max(0, end - first) : undefined };
}

/** Nearest-rank percentiles, so every figure is a latency some op actually had. */
export function summarise(values: readonly number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

function lostWrites(results: RunResults): {
  total: number | null;
  breakdown: LostBreakdown;
  lowerBound: boolean;
  unacknowledged: number;
} {
  const breakdown: LostBreakdown = {};
  let lowerBound = false;
  let total: number | null = null;
  let unacknowledged = 0;
  for (const { checker, result } of results.checkers) {
    const losses = checkerKind(checker).losses;
    if (!losses) continue;
    const lost = losses.lost(result);
    breakdown[checker] = (breakdown[checker] ?? 0) + lost.acknowledged;
    unacknowledged += lost.unacknowledged;
    total = (total ?? 0) + lost.acknowledged;
    if (result.valid === "unknown") lowerBound = true;
  }
  return { total, breakdown, lowerBound, unacknowledged };
}

/**
 * The run figures that hold one checker's verdict merged over the run (false over unknown over true), null when that
 * checker did not run. Typed by RunMetrics, which names each such figure.
 */
function verdictFigures(results: RunResults): Pick<RunMetrics, "linearizable"> {
  const out: Record<string, Verdict | null> = {};
  for (const kind of checkerKinds()) {
    if (!kind.verdictFigure) continue;
    const verdicts = results.checkers.filter((c) => c.checker === kind.name).map((c) => c.result.valid);
    out[kind.verdictFigure] = verdicts.length === 0 ? null : mergeVerdicts(verdicts);
  }
  return out as Pick<RunMetrics, "linearizable">;
}

function faultWindows(schedule: unknown, durationS: number | null): FaultWindow[] {
  const windows = (schedule as { windows?: Array<{ fault: string; fromMs: number; toMs: number }> } | undefined)
    ?.windows;
  if (!Array.isArray(windows)) return [];
  const out: FaultWindow[] = [];
  for (const w of windows) {
    const fromS = w.fromMs / 1000;
    // A run cut short never reached the later faults, or stopped the last one early.
    if (durationS !== null && fromS >= durationS) continue;
    out.push({ fault: w.fault, fromS, toS: durationS !== null ? Math.min(w.toMs / 1000, durationS) : w.toMs / 1000 });
  }
  return out;
}
