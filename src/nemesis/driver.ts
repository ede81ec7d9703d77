import type { Nemesis, NemesisContext } from "./nemesis.js";
import type { ScheduleEvent } from "./schedule.js";

/**
 * Carries out a planned schedule: waits for each event, calls the fault, and records it as ops of the process
 * "nemesis". The runner supplies the clock (`waitUntil`) and the history writer (`record`), which keeps this module
 * free of time and files, and testable with a fake clock.
 *
 * A fault that fails half-way completes as `info` with the error: some nodes may be affected, so it is neither `ok`
 * nor `fail`, and its stop still runs at the planned time to undo whatever did happen.
 */

export interface NemesisOpRecord {
  type: "invoke" | "ok" | "info";
  f: string;
  value?: unknown;
  error?: string;
}

export interface DriverOptions {
  events: readonly ScheduleEvent[];
  nemeses: ReadonlyMap<string, Nemesis>;
  ctx: NemesisContext;
  /** Resolves at `atMs` after the run's start, or early (rejecting or resolving) when `signal` aborts. */
  waitUntil(atMs: number, signal?: AbortSignal): Promise<void>;
  record(op: NemesisOpRecord): void;
  signal?: AbortSignal;
}

export async function runSchedule(opts: DriverOptions): Promise<void> {
  for (const event of opts.events) {
    if (opts.signal?.aborted) return;
    await opts.waitUntil(event.atMs, opts.signal);
    if (opts.signal?.aborted) return;
    const nemesis = opts.nemeses.get(event.fault);
    if (nemesis === undefined) throw new Error(`the schedule names ${event.fault}, which this run did not set up`);
    await applyEvent(nemesis, event.action, opts);
  }
}

async function applyEvent(nemesis: Nemesis, action: "start" | "stop", opts: DriverOptions): Promise<void> {
  const f = action === "start" ? nemesis.fs.start : nemesis.fs.stop;
  opts.record({ type: "invoke", f });
  try {
    const value = action === "start" ? await nemesis.start(opts.ctx) : await nemesis.stop(opts.ctx);
    opts.record({ type: "ok", f, value });
    opts.ctx.log(`nemesis: ${f} ${summarise(value)}`);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    opts.record({ type: "info", f, error });
    opts.ctx.log(`nemesis: ${f} did not complete: ${error}`);
  }
}

function summarise(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value);
}

export interface HealFailure {
  nemesis: string;
  error: string;
  /** What the fault may have left in place, as the nemesis describes it. */
  mayRemain: string;
}

/**
 * Heals every fault, whatever state the run is in. Calls made while a heal is under way share it (a second Ctrl-C
 * waits for the heal instead of skipping it); later calls heal again, which is harmless because healAll is
 * idempotent. Resolves with what could not be healed, so the caller can tell the user which node to look at.
 */
export function createHealer(nemeses: Iterable<Nemesis>, ctx: NemesisContext): () => Promise<HealFailure[]> {
  const all = [...nemeses];
  let running: Promise<HealFailure[]> | undefined;
  return () => {
    running ??= healEverything(all, ctx).finally(() => {
      running = undefined;
    });
    return running;
  };
}

export async function healEverything(nemeses: readonly Nemesis[], ctx: NemesisContext): Promise<HealFailure[]> {
  const failures: HealFailure[] = [];
  // One at a time: heals of different faults touch the same nodes (a paused process must resume before a kill's
  // heal can tell whether it is running), and a heal is rare enough that speed does not matter.
  for (const n of nemeses) {
    try {
      await n.healAll(ctx);
    } catch (err) {
      failures.push({
        nemesis: n.name,
        error: err instanceof Error ? err.message : String(err),
        mayRemain: n.mayRemain?.() ?? `whatever ${n.describe()} changed`,
      });
    }
  }
  return failures;
}
