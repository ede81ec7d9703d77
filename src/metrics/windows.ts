import type { History, Op } from "../history/op.js";
import { isClientOp } from "../history/op.js";
import { pairOps } from "../history/pair.js";
import type { FaultFigures } from "../rundir/summary.js";

/**
 * Time-based figures of a run: when, relative to each fault, the writes that were later lost had been acknowledged
 * (the loss window), how long no write was acknowledged (stalls), and which share of the workload's time had one.
 * Pure: it reads a history, the ids of the lost acknowledged writes (from the checkers) and nothing else.
 *
 * Only acknowledged writes take part: an `info` write may have happened at any time after its invocation or never,
 * so it has no acknowledgement time and is never part of a loss window. Faults are taken from the nemesis ops the
 * history recorded (a start's invocation to its stop's completion), not from the planned schedule: a partition is
 * applied node by node from its invocation on, and a run cut short never reached its later faults.
 */

/** Ops that read; every other acknowledged client op changed the database. */
const READ_FS = new Set(["read", "final-read", "drain", "drain-inflight", "dequeue"]);

/**
 * A write acknowledged this long before a fault began still belongs to it: replication is asynchronous, so the last
 * writes before a cut may not have reached any replica and are lost with the ones acknowledged during it.
 */
export const PRE_FAULT_S = 0.5;

/** availabilityTime's resolution: a 100 ms slice with one acknowledged write counts as available. */
export const BUCKET_S = 0.1;

const NS = 1e9;

export interface RecordedFault {
  fault: string;
  /** Seconds on the run's clock: the start's invocation, its completion (the fault fully in place), the stop's
   * invocation and its completion. */
  fromS: number;
  appliedS: number;
  stopS: number;
  toS: number;
}

export type { FaultFigures };

export interface WindowFigures {
  /** Acknowledged writes lost, with acknowledgement times (set elements and queue jobs whose add/enqueue was ok). */
  lostWithTimes: number;
  /** Of those, acknowledged outside every fault's span (before the first one). */
  lostOutsideFaults: number;
  /** Largest per-fault loss window; 0 when nothing was lost; null when no workload can lose writes. */
  lossWindowS: number | null;
  /** Longest stretch of the workload with no acknowledged write; null without timed writes. */
  writeStallS: number | null;
  /** Share of 100 ms slices of the workload holding at least one acknowledged write; null without times. */
  availabilityTime: number | null;
  faults: FaultFigures[];
}

export interface WindowInput {
  history: History;
  /** Invocation indices of the lost writes that were acknowledged (as the checkers report them). */
  lostInvocations: readonly number[];
  /** Whether any workload that can lose writes ran (else lossWindowS is null, not 0). */
  losable: boolean;
  /** Whether an acknowledged write (its invocation) is one a checker could call lost; the per-fault denominator. */
  canBeLost?: (invocation: Op) => boolean;
}

interface Ack {
  /** Completion time, seconds on the run's clock. */
  at: number;
  node: string | undefined;
}

const SET_OR_QUEUE = (op: Op) => op.f === "add" || op.f === "enqueue";

export function windowFigures({
  history,
  lostInvocations,
  losable,
  canBeLost = SET_OR_QUEUE,
}: WindowInput): WindowFigures {
  const timed = history.length > 0 && history.every((op) => typeof op.time === "number");
  const faults = timed ? recordedFaults(history) : [];
  const span = timed ? workloadSpan(history) : undefined;
  const { writes, losableAcks, completionOf } = timed
    ? acknowledgedWrites(history, span?.endS, canBeLost)
    : { writes: [], losableAcks: [], completionOf: new Map<number, Op>() };
  const lostAt: number[] = [];
  for (const i of lostInvocations) {
    const c = completionOf.get(i);
    if (c?.type === "ok" && typeof c.time === "number") lostAt.push(c.time / NS);
  }
  lostAt.sort((a, b) => a - b);

  const owner = (t: number) => {
    let k = -1;
    for (let i = 0; i < faults.length; i++) if (faults[i]!.fromS - PRE_FAULT_S <= t) k = i;
    return k;
  };
  const gaps = span
    ? stalls(
        writes.map((w) => w.at),
        span.startS,
        span.endS,
      )
    : [];
  const perFault: FaultFigures[] = faults.map((f, i) => {
    const lost = lostAt.filter((t) => owner(t) === i);
    const zero = f.appliedS;
    const acknowledged = losableAcks.filter((t) => owner(t) === i).length;
    const stall = longest(gaps.filter((g) => g.to > f.fromS && g.from < f.toS));
    const before = writes.filter((w) => w.at >= f.fromS - 1 && w.at < f.fromS && w.node !== undefined);
    const writerBefore = mostCommon(before.map((w) => w.node!));
    const other =
      writerBefore === null
        ? undefined
        : writes.find((w) => w.at >= f.fromS && w.node !== undefined && w.node !== writerBefore);
    const base = span?.startS ?? 0;
    return {
      fault: f.fault,
      n: i + 1,
      fromS: round(f.fromS - base),
      toS: round(f.toS - base),
      applyS: round(f.appliedS - f.fromS),
      heldS: round(Math.max(0, f.stopS - f.appliedS)),
      acknowledged,
      lostAcknowledged: lost.length,
      lostFraction: acknowledged > 0 ? lost.length / acknowledged : lost.length > 0 ? 1 : null,
      lostFromS: lost.length ? round(lost[0]! - zero) : null,
      lostToS: lost.length ? round(lost[lost.length - 1]! - zero) : null,
      lossWindowS: lost.length ? round(lost[lost.length - 1]! - lost[0]!) : 0,
      writeStallS: stall ? round(stall.to - stall.from) : 0,
      stallFromS: stall ? round(stall.from - zero) : null,
      stallToS: stall ? round(stall.to - zero) : null,
      writerBefore,
      otherWriter: other?.node ?? null,
      otherWriterFromS: other ? round(other.at - zero) : null,
      healedS: round(f.toS - zero),
      workloadEndS: span ? round(span.endS - zero) : null,
    };
  });
  const stall = longest(gaps);
  const outside = lostAt.filter((t) => owner(t) < 0).length;
  return {
    lostWithTimes: lostAt.length,
    lostOutsideFaults: outside,
    lossWindowS: !losable
      ? null
      : Math.max(0, ...perFault.map((f) => f.lossWindowS), outside > 1 ? round(outsideSpan(lostAt, owner)) : 0),
    writeStallS:
      span && writes.length > 0
        ? round(stall ? stall.to - stall.from : 0)
        : span
          ? round(span.endS - span.startS)
          : null,
    availabilityTime: span
      ? coveredShare(
          writes.map((w) => w.at),
          span.startS,
          span.endS,
        )
      : null,
    faults: perFault,
  };
}

function outsideSpan(lostAt: readonly number[], owner: (t: number) => number): number {
  const out = lostAt.filter((t) => owner(t) < 0);
  return out.length ? out[out.length - 1]! - out[0]! : 0;
}

/** Milliseconds are the finest figure anyone reads here; rounding keeps results.json free of float noise. */
function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}

/** Start-X invocation to the matching stop-X completion (or the heal, or the history's end), in run-clock seconds. */
export function recordedFaults(history: History): RecordedFault[] {
  const open = new Map<string, { from: number; applied: number }>();
  const invoked = new Map<string, number>();
  const out: RecordedFault[] = [];
  let healAt: number | undefined;
  let end = 0;
  for (const op of history) {
    const t = (op.time ?? 0) / NS;
    end = Math.max(end, t);
    if (op.process !== "nemesis") continue;
    if (op.f === "heal") {
      // Healing begins at its invocation: faults still open end there.
      if (op.type === "invoke") healAt ??= t;
      continue;
    }
    if (op.type === "invoke") {
      invoked.set(op.f, t);
      continue;
    }
    if (op.f.startsWith("start-")) {
      // A failed start did nothing; any other may have acted from its invocation on.
      if (op.type !== "fail") open.set(op.f.slice(6), { from: invoked.get(op.f) ?? t, applied: t });
    } else if (op.f.startsWith("stop-")) {
      const name = op.f.slice(5);
      const o = open.get(name);
      if (o !== undefined) {
        open.delete(name);
        const stop = Math.max(o.applied, invoked.get(op.f) ?? t);
        out.push({ fault: name, fromS: o.from, appliedS: o.applied, stopS: stop, toS: Math.max(stop, t) });
      }
    }
  }
  for (const [name, o] of open) {
    const stop = Math.max(o.applied, healAt ?? end);
    out.push({ fault: name, fromS: o.from, appliedS: o.applied, stopS: stop, toS: stop });
  }
  return out.sort((a, b) => a.fromS - b.fromS);
}

/** The workload: first client invocation to the runner's heal (or the last client op when there was none). */
function workloadSpan(history: History): { startS: number; endS: number } | undefined {
  let start: number | undefined;
  let last: number | undefined;
  let heal: number | undefined;
  for (const op of history) {
    const t = op.time! / NS;
    if (op.process === "nemesis") {
      if (op.f === "heal" && op.type === "invoke") heal ??= t;
      continue;
    }
    if (!isClientOp(op)) continue;
    if (op.type === "invoke" && heal === undefined) start ??= t;
    if (heal === undefined) last = Math.max(last ?? t, t);
  }
  if (start === undefined) return undefined;
  const endS = heal ?? last ?? start;
  return endS > start ? { startS: start, endS } : undefined;
}

/**
 * Acknowledged writes of the workload (invoked before the heal), the acknowledgement times of writes that a checker
 * can call lost (set adds, queue enqueues), and each invocation's completion (to time the lost ones).
 */
function acknowledgedWrites(
  history: History,
  endS: number | undefined,
  canBeLost: (op: Op) => boolean,
): { writes: Ack[]; losableAcks: number[]; completionOf: Map<number, Op> } {
  const completionOf = new Map<number, Op>();
  const writes: Ack[] = [];
  const losableAcks: number[] = [];
  for (const { invoke: inv, completion: op } of pairOps(history)) {
    if (!op) continue;
    completionOf.set(inv.index, op);
    if (op.type !== "ok" || READ_FS.has(inv.f)) continue;
    const invokedS = inv.time! / NS;
    if (endS !== undefined && invokedS > endS) continue;
    const at = op.time! / NS;
    writes.push({ at, node: op.node ?? inv.node });
    if (canBeLost(inv)) losableAcks.push(at);
  }
  writes.sort((a, b) => a.at - b.at);
  return { writes, losableAcks, completionOf };
}

interface Gap {
  from: number;
  to: number;
}

/** Stretches of [start, end] without an acknowledgement, the edges included. */
export function stalls(ackTimes: readonly number[], start: number, end: number): Gap[] {
  const times = ackTimes.filter((t) => t >= start && t <= end).sort((a, b) => a - b);
  const out: Gap[] = [];
  let prev = start;
  for (const t of times) {
    if (t > prev) out.push({ from: prev, to: t });
    prev = t;
  }
  if (end > prev) out.push({ from: prev, to: end });
  return out;
}

function longest(gaps: readonly Gap[]): Gap | undefined {
  let best: Gap | undefined;
  for (const g of gaps) if (!best || g.to - g.from > best.to - best.from) best = g;
  return best;
}

/** Share of BUCKET_S slices of [start, end) with at least one acknowledgement. */
export function coveredShare(ackTimes: readonly number[], start: number, end: number): number | null {
  const n = Math.ceil((end - start) / BUCKET_S - 1e-9);
  if (n <= 0) return null;
  const hit = new Set<number>();
  for (const t of ackTimes) {
    if (t < start || t >= end) continue;
    hit.add(Math.min(n - 1, Math.floor((t - start) / BUCKET_S + 1e-9)));
  }
  return hit.size / n;
}

function mostCommon(values: readonly string[]): string | null {
  const tally = new Map<string, number>();
  for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [v, c] of tally) if (c > n || (c === n && best !== null && v < best)) [best, n] = [v, c];
  return best;
}
