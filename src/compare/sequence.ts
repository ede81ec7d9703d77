import { ExitCode, UsageError } from "../core/exit.js";
import { c } from "../core/output.js";
import { engineOf } from "../db/engines.js";
import { onInterrupts } from "../docker/cleanup.js";
import { requireDocker } from "../docker/engine.js";
import { ensureNodeImage } from "../image/images.js";
import { loadRunFigures, type RunFigures } from "../metrics/load.js";
import { dryRunLines } from "../runner/dryRun.js";
import type { RunPlan } from "../runner/plan.js";
import { Progress } from "../runner/progress.js";
import { runPlan } from "../runner/run.js";
import { prepareTarget } from "../target/index.js";

/**
 * Runs a list of plans one after the other (never at once: runs on shared cores would measure each other) and
 * reads each run's figures back from its directory. A run that fails is recorded and the sequence goes on; an
 * interrupt stops the current run gracefully (the runner heals, tears down and checks) and skips the rest, so the
 * caller still gets a partial table.
 */

export interface PlannedRun {
  label: string;
  plan: RunPlan;
  /** 1-based repeat number, for audits. */
  repeat?: number;
}

export type RunStatus = "done" | "error" | "skipped";

export interface SequencedRun {
  label: string;
  repeat?: number;
  status: RunStatus;
  runDir?: string;
  figures?: RunFigures;
  /** Why the run failed or was skipped. */
  error?: string;
}

/** With --dry-run on existing deployments: prints what each target's run would do and says so (nothing is reached). */
export function printDryRuns(runs: readonly PlannedRun[]): boolean {
  if (!runs.some((r) => r.plan.existing?.dryRun)) return false;
  for (const { label, plan } of runs) {
    process.stdout.write(`== ${label}\n`);
    for (const line of plan.existing ? dryRunLines(plan) : ["a cluster splitbrain starts (no dry run needed)"])
      process.stdout.write(`${line}\n`);
  }
  return true;
}

/**
 * Refuses up front any target whose node image is missing, with the command that builds it, so a comparison does
 * not discover after three runs that its fourth cannot start; an existing deployment that cannot be reached, or
 * refuses the CONFIG SET a cell needs, likewise.
 */
export async function requireImages(runs: readonly PlannedRun[]): Promise<void> {
  // An existing deployment is asked instead: reachable, who it is, and whether it lets CONFIG SET what a cell sets.
  for (const { label, plan } of runs.filter((r) => r.plan.existing)) {
    try {
      await prepareTarget(plan);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new UsageError(`${label}: ${err.message}`, err.hint);
    }
  }
  const managed = runs.filter((r) => !r.plan.existing);
  if (!managed.length) return;
  // Asked first, so an engine that is not there is said as such, not as every target lacking an image.
  await requireDocker();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { label, plan } of managed) {
    const key = `${plan.cluster.db}@${plan.cluster.version ?? ""}`;
    if (plan.cluster.image || seen.has(key)) continue;
    seen.add(key);
    try {
      await ensureNodeImage({
        image: engineOf(plan.cluster.db).image,
        ...(plan.cluster.version ? { version: plan.cluster.version } : {}),
      });
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(`${label}: ${err.message}; ${err.hint ?? ""}`.trim());
    }
  }
  if (problems.length) {
    throw new UsageError(
      `${problems.length} target(s) have no node image:\n  ${problems.join("\n  ")}`,
      "build the images first (nothing has run yet), or drop those targets",
    );
  }
}

export interface SequenceOptions {
  signal: AbortSignal;
  progress?: Progress;
  command?: string[];
  /** Called after each run, e.g. to rewrite the partial table on disk. */
  afterEach?: (done: readonly SequencedRun[]) => void;
}

export async function runSequence(runs: readonly PlannedRun[], opts: SequenceOptions): Promise<SequencedRun[]> {
  const out: SequencedRun[] = [];
  const progress = opts.progress ?? new Progress();
  for (let i = 0; i < runs.length; i++) {
    const { label, plan, repeat } = runs[i]!;
    const base = { label, ...(repeat !== undefined ? { repeat } : {}) };
    if (opts.signal.aborted) {
      out.push({ ...base, status: "skipped", error: "interrupted before it started" });
      continue;
    }
    const title = `${label}${repeat !== undefined ? ` (repeat ${repeat})` : ""}`;
    progress.event(c().bold(`\n=== [${i + 1}/${runs.length}] ${title} ===`));
    try {
      const outcome = await runPlan(plan, {
        progress,
        signal: opts.signal,
        ...(opts.command ? { command: opts.command } : {}),
      });
      const figures = await loadRunFigures(outcome.dir.path);
      out.push({ ...base, status: "done", runDir: outcome.dir.path, figures });
      progress.event(`=== ${title}: ${oneLine(figures)}`);
    } catch (err) {
      const message = (err as Error).message.split("\n")[0]!;
      out.push({ ...base, status: "error", error: opts.signal.aborted ? `interrupted during set-up` : message });
      progress.event(c().red(`=== ${title} failed: ${message}`));
    }
    opts.afterEach?.(out);
  }
  return out;
}

function oneLine(f: RunFigures): string {
  const lost =
    f.lostAcknowledged === null
      ? "no lost-write workload"
      : `${f.lostAcknowledged}${f.lostIsLowerBound ? "+" : ""} acknowledged writes lost`;
  const avail = f.availability === null ? "-" : `${(f.availability * 100).toFixed(1)}%`;
  const seen = f.lostUnacknowledged > 0 ? ` (+${f.lostUnacknowledged} never acknowledged but read, then gone)` : "";
  return `${lost}${seen}, availability ${avail}${f.incomplete ? c().yellow(` (incomplete: ${f.incomplete})`) : ""}`;
}

/**
 * Ctrl-C for a sequence: the first stops the current run gracefully and ends the sequence (a partial table is still
 * written); the second removes everything now; the third exits at once.
 */
export function interruptibleSequence(what: string): { signal: AbortSignal; dispose: () => void } {
  const stop = new AbortController();
  const dispose = onInterrupts({
    graceful: {
      say: `stopping the current run (healing, tearing down, checking) and ending the ${what} with a partial table; Ctrl-C again to skip that`,
      stop: () => stop.abort(),
    },
    exitCode: ExitCode.Unknown,
  });
  return { signal: stop.signal, dispose };
}
