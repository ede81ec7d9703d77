import type { History, Op } from "../history/op.js";
import { pairOps } from "../history/pair.js";

/**
 * The run laid out on one time axis, for charts and sentences: client ops with their moments, the faults' active
 * intervals (from the nemesis ops actually recorded, not from the planned schedule), and the phases those intervals
 * cut the run into. Pure. Timed histories use the run's clock (ns); untimed ones use the history line as the
 * moment, which keeps real-time order but has no durations.
 */

export type Outcome = "ok" | "fail" | "info";

export interface ClientOp {
  /** History index of the invocation (what checker results refer to). */
  index: number;
  process: number;
  f: string;
  key: string | number | null | undefined;
  start: number;
  /** Moment of the completion; undefined when the op never completed. */
  end: number | undefined;
  outcome: Outcome;
  node: string | undefined;
}

/** How a fault is drawn; the report gets it from the fault's package (perf). */
export interface FaultStyle {
  name: string;
  label: string;
  colour: string;
  start: string;
  stop: string;
}

export interface FaultInterval {
  fault: string;
  label: string;
  colour: string;
  from: number;
  to: number;
  /** What the start op returned (who was cut, which node was killed). */
  value: unknown;
  /** The start's completion was `info`: the fault may or may not have taken effect. */
  uncertain: boolean;
  /** No stop was recorded; the interval is closed at the heal (or the end of the history). */
  closedBy: "stop" | "heal" | "end";
}

export interface Phase {
  from: number;
  to: number;
  /** Labels of the faults active throughout this phase (empty: none). */
  active: string[];
  name: string;
  ok: number;
  fail: number;
  info: number;
}

export interface Timeline {
  timed: boolean;
  /** Moments span [0, end]. */
  end: number;
  ops: ClientOp[];
  faults: FaultInterval[];
  phases: Phase[];
  /** Moment of the heal op (after the workload), if recorded. */
  healAt: number | undefined;
  /** Moments a person noted from another terminal (`splitbrain mark`), in order. */
  marks: Array<{ at: number; text: string }>;
  byIndex: Map<number, ClientOp>;
}

const FALLBACK_COLOURS = ["#e6a4a4", "#a4c2e6", "#b9e6a4", "#e6d9a4", "#d3a4e6", "#a4e6dc"];

export function styleFor(
  startF: string,
  styles: readonly FaultStyle[],
  seen: Map<string, FaultStyle>,
): FaultStyle | undefined {
  const known = styles.find((s) => s.start === startF);
  if (known) return known;
  if (!startF.startsWith("start-")) return undefined;
  let s = seen.get(startF);
  if (!s) {
    const name = startF.slice("start-".length);
    s = {
      name,
      label: name,
      colour: FALLBACK_COLOURS[seen.size % FALLBACK_COLOURS.length]!,
      start: startF,
      stop: `stop-${name}`,
    };
    seen.set(startF, s);
  }
  return s;
}

export function buildTimeline(history: History, styles: readonly FaultStyle[] = []): Timeline {
  const timed = history.length > 0 && history.every((op) => typeof op.time === "number");
  const moment = (op: Op) => (timed ? (op.time as number) : op.index);

  const ops: ClientOp[] = pairOps(history).map((p) => {
    const c = p.completion;
    const outcome: Outcome = c?.type === "ok" ? "ok" : c?.type === "fail" ? "fail" : "info";
    return {
      index: p.invoke.index,
      process: p.invoke.process as number,
      f: p.invoke.f,
      key: p.invoke.key,
      start: moment(p.invoke),
      end: c ? moment(c) : undefined,
      outcome,
      node: c?.node ?? p.invoke.node,
    };
  });

  const fallback = new Map<string, FaultStyle>();
  const faults: FaultInterval[] = [];
  const open = new Map<string, { style: FaultStyle; from: number; value: unknown; uncertain: boolean }>();
  const invokedAt = new Map<string, number>();
  let healAt: number | undefined;
  const marks: Timeline["marks"] = [];
  for (const op of history) {
    if (op.process !== "nemesis") continue;
    const t = moment(op);
    if (op.f === "mark") {
      const text = (op.value as { text?: unknown } | undefined)?.text;
      marks.push({ at: t, text: typeof text === "string" ? text : "mark" });
      continue;
    }
    if (op.type === "invoke") {
      invokedAt.set(op.f, t);
      continue;
    }
    if (op.f === "heal") {
      healAt = t;
      continue;
    }
    const startStyle = styleFor(op.f, styles, fallback);
    if (startStyle && op.f === startStyle.start) {
      // A failed start did nothing. Any other may have acted from its invocation on (a partition is applied node by
      // node between invoke and ok), so the interval starts there.
      if (op.type === "fail") continue;
      const uncertain = op.type === "info";
      open.set(startStyle.name, { style: startStyle, from: invokedAt.get(op.f) ?? t, value: op.value, uncertain });
      continue;
    }
    const stopped = [...open.values()].find((o) => o.style.stop === op.f);
    if (stopped) {
      open.delete(stopped.style.name);
      faults.push(interval(stopped, t, "stop"));
    }
  }
  let end = 0;
  for (const op of history) end = Math.max(end, moment(op));
  for (const o of open.values()) faults.push(interval(o, healAt ?? end, healAt !== undefined ? "heal" : "end"));
  faults.sort((a, b) => a.from - b.from);

  const timeline: Timeline = {
    timed,
    end,
    ops,
    faults,
    phases: [],
    healAt,
    marks: marks.sort((a, b) => a.at - b.at),
    byIndex: new Map(ops.map((o) => [o.index, o])),
  };
  timeline.phases = phasesOf(timeline);
  return timeline;
}

function interval(
  o: { style: FaultStyle; from: number; value: unknown; uncertain: boolean },
  to: number,
  closedBy: FaultInterval["closedBy"],
): FaultInterval {
  return {
    fault: o.style.name,
    label: o.style.label,
    colour: o.style.colour,
    from: o.from,
    to: Math.max(o.from, to),
    value: o.value,
    uncertain: o.uncertain,
    closedBy,
  };
}

/**
 * Cuts [0, end] at every fault boundary; each piece is named by what was active in it ("before partition",
 * "during partition", "after partition"), and counts the client ops invoked in it by outcome.
 */
export function phasesOf(t: Pick<Timeline, "end" | "faults" | "ops">): Phase[] {
  const cuts = [...new Set([0, t.end, ...t.faults.flatMap((f) => [f.from, f.to])])]
    .filter((x) => x >= 0 && x <= t.end)
    .sort((a, b) => a - b);
  const phases: Phase[] = [];
  for (let i = 0; i + 1 < cuts.length || (i === 0 && cuts.length === 1); i++) {
    const from = cuts[i]!;
    const to = cuts[i + 1] ?? from;
    const active = t.faults.filter((f) => f.from <= from && f.to >= to && f.to > f.from).map((f) => f.label);
    const before = t.faults.filter((f) => f.from >= to);
    const after = t.faults.filter((f) => f.to <= from);
    const name = active.length
      ? `during ${[...new Set(active)].join(" + ")}`
      : after.length
        ? `after ${after[after.length - 1]!.label}`
        : before.length
          ? `before ${before[0]!.label}`
          : "no fault";
    phases.push({ from, to, active, name, ok: 0, fail: 0, info: 0 });
  }
  // Ops go to the phase they were invoked in; a binary search keeps this linear-ish at 100k+ ops.
  for (const op of t.ops) {
    let lo = 0;
    let hi = phases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (phases[mid]!.from <= op.start) lo = mid;
      else hi = mid - 1;
    }
    const p = phases[lo];
    if (p) p[op.outcome]++;
  }
  // Zero-length pieces (a fault stopped exactly when another started) carry nothing worth a row.
  return phases.filter((p) => p.to > p.from || p.ok + p.fail + p.info > 0);
}

export function availability(p: { ok: number; fail: number; info: number }): number | undefined {
  const n = p.ok + p.fail + p.info;
  return n === 0 ? undefined : p.ok / n;
}
