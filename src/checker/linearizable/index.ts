import { availableParallelism } from "node:os";
import { UsageError, type Verdict } from "../../core/exit.js";
import type { History } from "../../history/op.js";
import { modelByName } from "../../models/index.js";
import type { Model } from "../../models/model.js";
import type { CheckResult } from "../checker.js";
import { pairCalls } from "./calls.js";
import type { PartitionCounterexample } from "./counterexample.js";
import { type PartitionJob, type PartitionVerdict, partitionRun } from "./partition.js";

export type { OpRow, PartitionCounterexample, StuckOp } from "./counterexample.js";
export { describeCounterexample } from "./counterexample.js";

export interface LinearizableOptions {
  /** Overall time limit; past it the verdict is "unknown". Default: none. */
  timeoutMs?: number;
  /** Memo entries one partition may hold before the verdict becomes "unknown". Default 4,000,000. */
  maxCacheEntries?: number;
  /** Threads for partitions that prove hard; 1 keeps everything on the calling thread. Default: the core count. */
  workers?: number;
  /** Set false to keep pending calls nobody could observe (for measuring the search itself). Default true. */
  pruneUnobserved?: boolean;
  /**
   * Stop at the first partition found not linearizable, as porcupine does, leaving the others unsearched
   * (`undecided` with limit "stopped"). Default false: every partition is searched within the time limit.
   */
  stopAtFirstIllegal?: boolean;
  /** Search steps a partition may take on the calling thread before it goes to a worker; tests lower it. */
  sliceTicks?: number;
  /** Clock for the time limit; tests inject one. */
  now?: () => number;
}

export interface LinearizabilityStats {
  /** Time spent checking (pairing and searching), excluding parsing. */
  checkMs: number;
  /** Calls the search saw: not failed, not dropped as unable to matter (pending reads). */
  checkedOps: number;
  failedOps: number;
  pendingOps: number;
  largestPartition: number;
  cacheEntries: number;
  /** Threads used for hard partitions (0 when everything ran on the calling thread). */
  workers: number;
  undecided: Array<{ key: string | number | null; ops: number; limit: UndecidedLimit }>;
}

export interface LinearizabilityResult extends CheckResult {
  valid: Verdict;
  reason?: string;
  model: string;
  /** Client operations (invocations) in the history. */
  ops: number;
  partitions: number;
  anomalies: PartitionCounterexample[];
  stats: LinearizabilityStats;
}

/** Why a partition has no verdict: out of time, out of cache, or not searched because `stopAtFirstIllegal` stopped. */
export type UndecidedLimit = "timeout" | "cache" | "stopped";

export const DEFAULT_MAX_CACHE_ENTRIES = 4_000_000;
/** The time limit `check` and a run's check use unless told otherwise (the library itself has none). */
export const DEFAULT_CHECK_TIMEOUT_MS = 60_000;
/**
 * How many search steps a partition may take on the calling thread before it is handed to a worker instead. Nearly
 * every partition of a real history finishes in well under this; starting threads (each loading the checker and
 * warming it up again) only pays for the few that do not. Counted in steps, not milliseconds, so that a loaded
 * machine or code not yet optimised by the JIT does not push easy partitions onto threads. 2^20 steps of a hard
 * 300-op register partition took 0.1-0.45 s on a loaded 2-core host.
 */
const SEQUENTIAL_SLICE_TICKS = 1 << 20;

/**
 * Checks a history for linearizability against a model: pairs operations, partitions them by the model, and runs
 * Wing & Gong's search with Lowe's cache on each partition. Hard partitions go to worker threads when there are
 * several of them, so one slow key does not wait behind another.
 */
export async function checkLinearizable(
  history: History,
  model: Model,
  opts: LinearizableOptions = {},
): Promise<LinearizabilityResult> {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const timeoutMs = opts.timeoutMs ?? Infinity;
  const maxCacheEntries = opts.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
  const workers = opts.workers ?? Math.min(availableParallelism(), 8);
  const sliceTicks = opts.sliceTicks ?? SEQUENTIAL_SLICE_TICKS;
  if (!(timeoutMs > 0)) throw new UsageError(`the linearizability timeout must be positive, got ${timeoutMs} ms`);
  if (!(maxCacheEntries >= 1)) throw new UsageError(`the cache cap must be at least 1 entry, got ${maxCacheEntries}`);
  if (!(workers >= 1)) throw new UsageError(`workers must be at least 1, got ${workers}`);
  const deadline = start + timeoutMs;

  const paired = pairCalls(history, model);
  const prune = opts.pruneUnobserved !== false && model.pruneUnobserved ? model.pruneUnobserved : null;
  const groups = (paired.calls.length ? model.partition(paired.calls) : [])
    .map((g) => (prune ? prune(g) : g))
    .filter((g) => g.length > 0);
  const jobs: PartitionJob[] = groups.map((calls) => ({ calls, timed: paired.timed, budgetMs: 0, maxCacheEntries }));

  // Workers only know registered models by name; a model built elsewhere stays on this thread.
  const canUseWorkers = workers > 1 && jobs.length > 1 && isRegistered(model);
  const first = opts.stopAtFirstIllegal === true;
  const verdicts: Array<PartitionVerdict | undefined> = new Array(jobs.length);
  const hard: number[] = [];
  // The first hard partition's search so far, resumed on this thread if it stays the only hard one (with two or
  // more, each goes to a thread and starts again there, so nothing is kept).
  const paused = new Map<number, (maxTicks: number, budgetMs: number) => PartitionVerdict | undefined>();
  let illegal = false;
  for (let p = 0; p < jobs.length && !(first && illegal); p++) {
    const go = partitionRun(jobs[p]!, model, now);
    // Once one partition has proved hard, threads are likely to start anyway: the rest get a sixteenth of the slice,
    // so that many hard keys do not each spend a full slice here first.
    const slice = canUseWorkers ? (hard.length ? Math.floor(sliceTicks / 16) : sliceTicks) : Infinity;
    const v = go(slice, Math.max(0, deadline - now()));
    if (v === undefined) {
      hard.push(p);
      if (hard.length === 1) paused.set(p, go);
      else paused.clear();
      continue;
    }
    verdicts[p] = v;
    if (v.verdict === false) illegal = true;
  }
  // The largest partitions first: they are the likeliest to take longest, and starting them last would leave one
  // thread working alone at the end while the time limit runs out.
  hard.sort((a, b) => jobs[b]!.calls.length - jobs[a]!.calls.length || a - b);
  let threadsUsed = 0;
  if (first && illegal) {
    // Nothing more to search.
  } else if (hard.length === 1) {
    const p = hard[0]!;
    verdicts[p] = paused.get(p)!(Infinity, Math.max(0, deadline - now()));
  } else if (hard.length > 1) {
    threadsUsed = Math.min(workers, hard.length);
    const stop = first ? (v: PartitionVerdict): boolean => v.verdict === false : () => false;
    // Loaded only when threads are needed: worker_threads is a measurable part of a small history's whole check.
    const { checkOnWorkers } = await import("./pool.js");
    const done = await checkOnWorkers(
      model.name,
      hard.map((p) => jobs[p]!),
      threadsUsed,
      deadline,
      now,
      stop,
    );
    hard.forEach((p, k) => (verdicts[p] = done[k]));
  }
  // Array.from, not map: map skips the holes, which are exactly the partitions never searched.
  const settled: PartitionVerdict[] = Array.from(
    verdicts,
    (v, p) =>
      v ?? {
        key: jobs[p]!.calls[0]?.key ?? null,
        ops: jobs[p]!.calls.length,
        verdict: "unknown",
        limit: "stopped",
        cacheEntries: 0,
        ms: 0,
      },
  );

  const anomalies = settled.flatMap((v) => (v.counterexample ? [v.counterexample] : []));
  const undecided = settled.flatMap((v) =>
    v.verdict === "unknown" ? [{ key: v.key, ops: v.ops, limit: v.limit! }] : [],
  );
  const valid: Verdict = anomalies.length ? false : undecided.length ? "unknown" : true;
  const checkMs = now() - start;
  const stats: LinearizabilityStats = {
    checkMs,
    checkedOps: paired.calls.length,
    failedOps: paired.failed,
    pendingOps: paired.pending,
    largestPartition: groups.reduce((m, g) => Math.max(m, g.length), 0),
    cacheEntries: settled.reduce((s, v) => s + v.cacheEntries, 0),
    workers: threadsUsed,
    undecided,
  };
  return {
    valid,
    reason: reasonFor(valid, anomalies, undecided, jobs.length, paired.invocations, timeoutMs, maxCacheEntries),
    model: model.name,
    ops: paired.invocations,
    partitions: jobs.length,
    anomalies,
    stats,
  };
}

function isRegistered(model: Model): boolean {
  try {
    return modelByName(model.name) === model;
  } catch {
    return false;
  }
}

function reasonFor(
  valid: Verdict,
  anomalies: PartitionCounterexample[],
  undecided: LinearizabilityStats["undecided"],
  partitions: number,
  ops: number,
  timeoutMs: number,
  maxCacheEntries: number,
): string {
  const keyName = (k: string | number | null): string => (k === null ? "the history" : `key ${JSON.stringify(k)}`);
  if (valid === true) return `all ${ops} operations in ${partitions} partition(s) are linearizable`;
  if (valid === false) {
    const keys = anomalies
      .slice(0, 5)
      .map((a) => keyName(a.key))
      .join(", ");
    const stopped = undecided.filter((u) => u.limit === "stopped").length;
    const open = undecided.length - stopped;
    return (
      `${anomalies.length} of ${partitions} partition(s) are not linearizable: ${keys}${anomalies.length > 5 ? ", ..." : ""}` +
      (stopped ? `; ${stopped} partition(s) left unsearched after the first illegal one (--first)` : "") +
      (open ? `; ${open} partition(s) undecided (time or cache limit)` : "")
    );
  }
  const timedOut = undecided.filter((u) => u.limit === "timeout");
  const capped = undecided.filter((u) => u.limit === "cache");
  const parts: string[] = [];
  if (timedOut.length) {
    parts.push(
      `the search timed out after ${(timeoutMs / 1000).toFixed(1)} s with ${timedOut.length} partition(s) undecided ` +
        `(${timedOut
          .slice(0, 3)
          .map((u) => `${keyName(u.key)}: ${u.ops} ops`)
          .join(", ")}); raise --timeout`,
    );
  }
  if (capped.length) {
    parts.push(
      `the search cache reached its cap of ${maxCacheEntries} entries on ${capped.length} partition(s) ` +
        `(${capped
          .slice(0, 3)
          .map((u) => `${keyName(u.key)}: ${u.ops} ops`)
          .join(", ")}); too many concurrent or pending operations to decide within bounded memory`,
    );
  }
  return parts.join("; ");
}
