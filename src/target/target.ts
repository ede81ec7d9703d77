import type { LazyFsOptions } from "../cluster/lazyfs.js";
import type { StartOptions } from "../cluster/start.js";
import type { DbName, Target } from "../core/cluster.js";
import type { RunPlan } from "../rundir/plan.js";

export type { Target };

/** What opening a target is given by the runner. */
export interface OpenOptions {
  runId: string;
  /** results/<run>: a target that collects node logs and configs puts them in its nodes/ directory. */
  resultsDir: string;
  /** Progress lines of the open phase. */
  log(line: string): void;
  /** Stops the open half-way (an interrupt). */
  signal?: AbortSignal;
  /** The run's faults need the lazy filesystem under every data node (power-loss). */
  lazyFs?: LazyFsOptions;
  /** A cluster started in Docker only: wraps its client reachability probe (tests make addresses unreachable). */
  aroundReachProbe?: StartOptions["aroundReachProbe"];
}

/** A target kind that has checked it can serve the plan, ready to open once the run directory exists. */
export interface PreparedTarget {
  /** The progress heading of the open phase, e.g. "start cluster (redis, sentinel)". */
  readonly opening: string;
  /** The engine the target turned out to run, when it was asked rather than chosen (an existing deployment). */
  readonly db?: DbName;
  open(opts: OpenOptions): Promise<Target>;
}

/** One kind of target, listed once in TARGET_KINDS (src/target/index.ts). */
export interface TargetKind {
  readonly name: string;
  /** True when this kind serves the plan; the first kind listed that serves it is used. */
  serves(plan: RunPlan): boolean;
  /**
   * What is checked before the run directory exists (an engine that answers, a node image), so a run that cannot
   * begin leaves nothing behind.
   */
  prepare(plan: RunPlan): Promise<PreparedTarget>;
}
