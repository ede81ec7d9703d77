import type { Rng } from "./nemesis.js";

/**
 * When faults start and stop, planned up front from the seed so a run's fault timeline is repeatable and can be
 * shown before it happens. Pure: the runner's clock turns `atMs` into waits.
 *
 * Every fault alternates start -> interval -> stop -> interval. With several faults:
 * - `sequential` (default): one fault at a time, in seeded shuffled rounds so each gets its turn before any repeats.
 *   Each effect in the history is then attributable to one fault.
 * - `mix` (Jepsen's combined nemesis): at each tick a random fault takes its next step, so faults overlap, except
 *   two of the same group (e.g. kill and pause, both acting on the database process).
 * Whatever is active when the run's time is up is stopped at `durationMs` (`final`), latest first.
 */

export type ScheduleMode = "sequential" | "mix";

export interface ScheduledFault {
  name: string;
  group?: string;
}

export interface ScheduleEvent {
  atMs: number;
  fault: string;
  action: "start" | "stop";
  /** A stop forced by the end of the run rather than by the interval. */
  final?: boolean;
}

export interface ScheduleOptions {
  faults: readonly ScheduledFault[];
  intervalMs: number;
  durationMs: number;
  rng: Rng;
  mode?: ScheduleMode;
}

export const DEFAULT_NEMESIS_INTERVAL_MS = 10_000;

export function planSchedule(opts: ScheduleOptions): ScheduleEvent[] {
  const { faults, intervalMs, durationMs, rng } = opts;
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) {
    throw new RangeError(`the nemesis interval must be a positive duration, got ${intervalMs} ms`);
  }
  const names = faults.map((f) => f.name);
  if (new Set(names).size !== names.length) throw new RangeError(`a fault is listed twice: ${names.join(",")}`);
  const events: ScheduleEvent[] = [];
  const active: ScheduledFault[] = [];
  const step = opts.mode === "mix" ? mixStep(faults, rng) : sequentialStep(faults, rng);
  // The first fault waits one interval, so every history starts with a stretch of healthy behaviour to compare with.
  for (let at = intervalMs; at < durationMs && faults.length > 0; at += intervalMs) {
    const chosen = step(active);
    if (chosen === undefined) continue;
    const i = active.indexOf(chosen);
    if (i >= 0) {
      active.splice(i, 1);
      events.push({ atMs: at, fault: chosen.name, action: "stop" });
    } else {
      active.push(chosen);
      events.push({ atMs: at, fault: chosen.name, action: "start" });
    }
  }
  for (const f of active.reverse()) events.push({ atMs: durationMs, fault: f.name, action: "stop", final: true });
  return events;
}

/** Picks the fault that takes a step at this tick (stopping it if active, starting it otherwise). */
type Step = (active: readonly ScheduledFault[]) => ScheduledFault | undefined;

function sequentialStep(faults: readonly ScheduledFault[], rng: Rng): Step {
  let round: ScheduledFault[] = [];
  return (active) => {
    if (active.length > 0) return active[0];
    if (round.length === 0) round = rng.shuffle(faults);
    return round.shift();
  };
}

function mixStep(faults: readonly ScheduledFault[], rng: Rng): Step {
  return (active) => {
    const busy = new Set(active.flatMap((f) => (f.group === undefined ? [] : [f.group])));
    const candidates = faults.filter((f) => active.includes(f) || f.group === undefined || !busy.has(f.group));
    return candidates.length > 0 ? rng.pick(candidates) : undefined;
  };
}

/** Intervals during which each fault was planned to be active, for reports and for checking a plan. */
export function activeWindows(
  events: readonly ScheduleEvent[],
): Array<{ fault: string; fromMs: number; toMs: number }> {
  const open = new Map<string, number>();
  const out: Array<{ fault: string; fromMs: number; toMs: number }> = [];
  for (const e of events) {
    if (e.action === "start") open.set(e.fault, e.atMs);
    else {
      const from = open.get(e.fault);
      if (from !== undefined) out.push({ fault: e.fault, fromMs: from, toMs: e.atMs });
      open.delete(e.fault);
    }
  }
  return out;
}
