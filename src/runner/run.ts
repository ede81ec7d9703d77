import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { clusterNeeds, NEMESES } from "../../nemeses/index.js";
import { createWorkload } from "../../workloads/index.js";
import type { Workload } from "../../workloads/workload.js";
import { connectClient, whenReady } from "../client/connect.js";
import { assertSupported } from "../client/durability.js";
import { probeServer } from "../client/session.js";
import type { Cluster, Endpoints, Target } from "../core/cluster.js";
import { UsageError, type Verdict } from "../core/exit.js";
import { packageRoot } from "../core/paths.js";
import { SeededRng } from "../core/rng.js";
import { onTeardown } from "../docker/cleanup.js";
import { newRunId } from "../docker/labels.js";
import { loadHistory } from "../history/read.js";
import { HistoryWriter } from "../history/writer.js";
import { createHealer, type HealFailure, runSchedule } from "../nemesis/driver.js";
import type { Nemesis, NemesisContext } from "../nemesis/nemesis.js";
import { activeWindows, planSchedule, type ScheduleEvent } from "../nemesis/schedule.js";
import { writeReport } from "../report/write.js";
import { writeRunResults } from "../rundir/evidence.js";
import {
  afterTeardown,
  type HealFailureRecord,
  healFailureLines,
  recordHeal,
  type TeardownResult,
} from "../rundir/healFailures.js";
import { createRunDir, pointLatest, type RunDir, runDirName, writeJson } from "../rundir/paths.js";
import { workloadOptionsOf } from "../rundir/plan.js";
import { redactCommand } from "../target/existingOptions.js";
import { type OpenOptions, type PreparedTarget, prepareTarget } from "../target/index.js";
import { checkHistory, type RunResults, type TestRecord } from "./checkRun.js";
import { ClientPool } from "./clients.js";
import { type Clock, formatOffset, monotonicClock } from "./clock.js";
import { MarkWatcher } from "./marks.js";
import type { RunPlan } from "./plan.js";
import { Progress, type RunCounts } from "./progress.js";
import { sleep } from "./sleep.js";
import { StatsSampler } from "./stats.js";

export interface RunOutcome {
  dir: RunDir;
  results: RunResults;
  valid: Verdict;
  /** report.html, unless it could not be written. */
  reportPath?: string;
  /** Faults a heal could not undo, and what became of each (also in test.json). */
  healFailures?: HealFailureRecord[];
}

export interface RunHooks {
  progress?: Progress;
  /** Aborting stops the workload early; the run still heals, tears down and checks what it recorded. */
  signal?: AbortSignal;
  command?: string[];
  /**
   * Called once the workload has started, alongside it (a test's own fault, a scenario's extra step); the run
   * waits for it before healing. Gets the run's clock so what it does can be placed in the history's time.
   */
  duringWorkload?: (cluster: Cluster, clock: { now(): number }) => Promise<void>;
  /** Passed to a cluster started in Docker: wraps the client reachability probe (tests make addresses unreachable). */
  aroundReachProbe?: OpenOptions["aroundReachProbe"];
}

/** One run as its phases pass it on: fixed once the run directory exists; test.json's record fills in as it goes. */
export interface Run {
  readonly plan: RunPlan;
  readonly hooks: RunHooks;
  readonly progress: Progress;
  readonly runId: string;
  readonly dir: RunDir;
  readonly test: TestRecord;
  readonly workloads: ReadonlyMap<string, Workload>;
  readonly nemeses: readonly Nemesis[];
}

/** The run's faults, armed against an open target: their context, and the heal that must run however it ends. */
export interface Armed {
  readonly target: Target;
  readonly clock: Clock;
  readonly nemesisCtx: NemesisContext;
  readonly heal: () => Promise<HealFailure[]>;
  /** Drops the interrupt's heal hook once the run healed on its own way out. */
  readonly unregisterHeal: () => void;
}

/** What is open while the run records, for the closing phase to stop whatever of it exists. */
export interface Recording {
  history?: HistoryWriter;
  stats?: StatsSampler;
  /** Marks noted from another terminal (`splitbrain mark`), taken while the history is open. */
  marks?: MarkWatcher;
  readonly counts: RunCounts;
}

function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * One run, phase by phase: target -> health -> workload with faults -> heal -> recovery -> final reads ->
 * teardown -> check -> report. Every phase after the target is open runs before `closeRun`, which heals and tears
 * down however the run ends; the history is streamed, so even a crashed run can be re-checked.
 */
export async function runPlan(plan: RunPlan, hooks: RunHooks = {}): Promise<RunOutcome> {
  const { run, target: prepared } = await prepareRun(plan, hooks);
  const armed = armFaults(run, await openTarget(run, prepared));
  const recording: Recording = { counts: { ok: 0, fail: 0, info: 0 } };
  try {
    const schedule = await planFaults(run, armed);
    const pool = await openHistory(run, armed, recording);
    await runWorkload(run, armed, pool, schedule, recording);
    await healFaults(run, armed, recording.history!);
    await recoverAndRead(run, armed.target, pool);
  } catch (err) {
    await closeRun(run, armed, recording, { error: err });
    throw err;
  }
  await closeRun(run, armed, recording);
  return reportRun(run, await checkRun(run));
}

/**
 * The target kind's own checks (an engine, a node image) come first, so a run that cannot begin leaves nothing
 * behind; then the run directory with test.json, the workloads and the faults.
 */
export async function prepareRun(asked: RunPlan, hooks: RunHooks): Promise<{ run: Run; target: PreparedTarget }> {
  const progress = hooks.progress ?? new Progress();
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const target = await prepareTarget(asked);
  // An existing deployment says which engine it runs; the plan (and the run directory's name) then say it too.
  const plan =
    target.db && target.db !== asked.cluster.db ? { ...asked, cluster: { ...asked.cluster, db: target.db } } : asked;
  const dir = createRunDir(plan.resultsRoot, runDirName(startedAt, plan.cluster.db, plan.cluster.topology, runId));
  const test: TestRecord = {
    tool: { name: "splitbrain", version: toolVersion() },
    runId,
    startedAt: startedAt.toISOString(),
    // Passwords given on the command line (--password, redis://user:password@) never reach the run directory.
    command: redactCommand(hooks.command ?? process.argv.slice(2)),
    plan,
  };
  writeJson(dir.testPath, test);
  progress.event(`run ${runId}: ${dir.path}`);
  progress.event(`seed ${plan.seed} (repeat with --seed ${plan.seed})`);
  const workloads = new Map<string, Workload>(
    plan.workloads.map((w) => [w, createWorkload(w, workloadOptionsOf(plan))]),
  );
  const nemeses: Nemesis[] = plan.nemeses.map((n) => NEMESES.get(n)!.create(plan.nemesisOptions));
  return { run: { plan, hooks, progress, runId, dir, test, workloads, nemeses }, target };
}

/**
 * Opens the target (starts the cluster). The directory of a failed start is kept, with test.json saying why:
 * containers that did start left their logs and configs in nodes/ (teardown collects them), the evidence of why
 * health or set-up failed. `latest` still points at the last run with a history, so nothing reads it by accident.
 */
export async function openTarget(run: Run, prepared: PreparedTarget): Promise<Target> {
  const { plan, hooks, progress } = run;
  progress.event(`phase: ${prepared.opening}`);
  return prepared
    .open({
      runId: run.runId,
      resultsDir: run.dir.path,
      log: (line) => progress.event(`  ${line}`),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      // What the run's faults need of the cluster (the lazy filesystem for power-loss), declared by each fault.
      ...clusterNeeds(plan.nemeses, plan.nemesisOptions),
      ...(hooks.aroundReachProbe ? { aroundReachProbe: hooks.aroundReachProbe } : {}),
    })
    .catch((err: Error) => {
      writeJson(run.dir.testPath, { ...run.test, startFailed: err.message.split("\n")[0] });
      throw err;
    });
}

/** Starts the run's clock and arms the heal, so an interrupt from here on heals every fault before teardown. */
export function armFaults(run: Run, target: Target): Armed {
  const clock = monotonicClock();
  // Lets logs stamped with wall time (Sentinel's, the servers') be placed on the run's clock.
  run.test.clockStartedAt = new Date().toISOString();
  const nemesisCtx: NemesisContext = {
    cluster: target.cluster,
    allows: target.allows,
    ...(target.command ? { command: target.command.bind(target) } : {}),
    rng: new SeededRng((run.plan.seed ^ 0x5bd1e995) >>> 0),
    log: (line) => run.progress.event(`  [${formatOffset(clock.now())}] ${line}`),
  };
  const heal = createHealer(run.nemeses, nemesisCtx);
  // Newer than the target's own teardown hook, so an interrupt heals before containers go.
  // Failures reject, so the interrupt's cleanup says them: a second Ctrl-C may exit before test.json records them.
  const unregisterHeal = onTeardown(`heal faults of run ${run.runId}`, async () => {
    const failures = await heal();
    if (failures.length)
      throw new Error(
        failures.map((f) => `could not heal ${f.nemesis}: ${f.error} (may remain: ${f.mayRemain})`).join("; "),
      );
  });
  return { target, clock, nemesisCtx, heal, unregisterHeal };
}

/**
 * Records the target in test.json, refuses what it cannot do (a durability command the server lacks, a fault that
 * cannot run here), and plans the fault schedule.
 */
export async function planFaults(run: Run, armed: Armed): Promise<ScheduleEvent[]> {
  const { plan, test } = run;
  test.cluster = armed.target.record();
  await checkDurabilitySupported(armed.target.cluster.endpoints, plan);
  for (const n of run.nemeses) {
    if (!armed.target.allows.nodeControl && !NEMESES.get(n.name)?.withoutNodeControl)
      throw new UsageError(
        `fault ${n.name} acts inside the nodes, which this target (${armed.target.kind}) does not allow`,
        "use --nemesis hook with your own commands, or a fault by command",
      );
    const why = await n.unavailable?.(armed.nemesisCtx);
    if (why) throw new UsageError(`fault ${n.name} cannot run here: ${why}`, `drop it from --nemesis`);
  }
  const schedule = planSchedule({
    faults: plan.nemeses.map((n) => ({ name: n, ...(NEMESES.get(n)!.group ? { group: NEMESES.get(n)!.group! } : {}) })),
    intervalMs: plan.nemesisIntervalMs,
    durationMs: plan.timeLimitMs,
    rng: new SeededRng(plan.seed >>> 0),
    mode: plan.nemesisMode,
  });
  test.schedule = { events: schedule, windows: activeWindows(schedule) };
  writeJson(run.dir.testPath, test);
  return schedule;
}

/** Opens the history (from here on the run is checkable: `latest` points at it) and the clients that write it. */
export async function openHistory(run: Run, armed: Armed, recording: Recording): Promise<ClientPool> {
  const { plan } = run;
  const history = await HistoryWriter.create(run.dir.historyPath);
  recording.history = history;
  pointLatest(plan.resultsRoot, basename(run.dir.path));
  recording.marks = new MarkWatcher(
    run.dir.path,
    history,
    () => armed.clock.now(),
    (line) => run.progress.event(`  [${formatOffset(armed.clock.now())}] ${line}`),
  );
  recording.marks.start(run.runId);
  const cluster = armed.target.cluster;
  return new ClientPool({
    endpoints: cluster.endpoints,
    slots: plan.slots,
    workloads: run.workloads,
    opTimeoutMs: plan.opTimeoutMs,
    durability: plan.durability,
    rate: plan.rate,
    seed: plan.seed,
    clock: armed.clock,
    history,
    counts: recording.counts,
    ...(armed.target.keyPrefix ? { keyPrefix: armed.target.keyPrefix } : {}),
    nodeName: (addr) => {
      if (!addr) return undefined;
      const i = addr.lastIndexOf(":");
      return cluster.nodeByAddress(addr.slice(0, i), Number(addr.slice(i + 1)))?.name ?? addr;
    },
  });
}

/**
 * The workload for the time limit, with the fault schedule beside it. An interrupt stops both early; at the time
 * limit the schedule still records its final stops.
 */
export async function runWorkload(
  run: Run,
  armed: Armed,
  pool: ClientPool,
  schedule: readonly ScheduleEvent[],
  recording: Recording,
): Promise<void> {
  const { plan, hooks, progress, test } = run;
  const { clock, target } = armed;
  const h = recording.history!;
  const counts = recording.counts;
  progress.event(
    `phase: workload for ${plan.timeLimitMs / 1000}s (${plan.workloads.join(", ")}; ${plan.concurrency} clients; faults: ${plan.nemeses.join(", ") || "none"})`,
  );
  const workloadStop = new AbortController();
  const scheduleStop = new AbortController();
  const onAbort = () => {
    workloadStop.abort();
    scheduleStop.abort();
  };
  hooks.signal?.addEventListener("abort", onAbort, { once: true });
  // A Ctrl-C that came after set-up's last step but before this listener (the checks before) still stops the run.
  if (hooks.signal?.aborted) onAbort();
  const active = new Set<string>();
  const startNs = clock.now();
  pool.start();
  const stats = target.allows.resourceStats
    ? new StatsSampler(target.allNodes.map((n) => ({ name: n.name, containerId: n.containerId })))
    : undefined;
  recording.stats = stats;
  const faults = runSchedule({
    events: schedule,
    nemeses: new Map(run.nemeses.map((n) => [n.name, n])),
    ctx: armed.nemesisCtx,
    waitUntil: (atMs, signal) => sleep(atMs - (clock.now() - startNs) / 1e6, signal),
    record: (op) => {
      if (op.type === "ok" || op.type === "info") {
        const n = run.nemeses.find((x) => x.fs.start === op.f || x.fs.stop === op.f);
        if (n) op.f === n.fs.start ? active.add(n.name) : active.delete(n.name);
      }
      h.append({ process: "nemesis", time: clock.now(), ...op });
    },
    signal: scheduleStop.signal,
  }).catch((err: Error) => progress.event(`nemesis schedule stopped: ${err.message}`));
  const extra = hooks
    .duringWorkload?.(target.cluster, clock)
    .catch((err: Error) => progress.event(`during-workload step failed: ${err.message}`));
  const ticker = setInterval(() => {
    progress.status({
      phase: "workload",
      elapsedMs: (clock.now() - startNs) / 1e6,
      totalMs: plan.timeLimitMs,
      counts,
      activeFaults: [...active],
    });
  }, 250);
  await sleep(plan.timeLimitMs, workloadStop.signal);
  workloadStop.abort();
  await pool.stop();
  await faults;
  await extra;
  await stats?.stop(run.dir.nodesPath);
  clearInterval(ticker);
  progress.done();
  hooks.signal?.removeEventListener("abort", onAbort);
  if (hooks.signal?.aborted) test.incomplete = "interrupted during the workload";
  progress.event(`workload done: ok ${counts.ok}, fail ${counts.fail}, info ${counts.info}`);
}

/** Heals every fault, recorded in the history as one nemesis op; what could not be healed goes into test.json. */
export async function healFaults(run: Run, armed: Armed, h: HistoryWriter): Promise<void> {
  const { clock } = armed;
  run.progress.event("phase: heal every fault");
  h.append({ process: "nemesis", type: "invoke", f: "heal", time: clock.now() });
  const failures = await armed.heal();
  h.append({
    process: "nemesis",
    type: failures.length ? "info" : "ok",
    f: "heal",
    time: clock.now(),
    ...(failures.length ? { error: failures.map((f) => `${f.nemesis}: ${f.error}`).join("; ") } : {}),
  });
  for (const f of failures)
    run.progress.event(`  could not heal ${f.nemesis}: ${f.error} (may remain: ${f.mayRemain})`);
  noteHeal(run.test, failures, "heal");
}

/** Unless interrupted: the recovery wait, a healthy target, then each workload's final reads. */
export async function recoverAndRead(run: Run, target: Target, pool: ClientPool): Promise<void> {
  const { plan, hooks, progress, test } = run;
  if (!hooks.signal?.aborted) {
    progress.event(`phase: recovery (${plan.recoveryMs / 1000}s, then wait for a healthy cluster)`);
    await sleep(plan.recoveryMs, hooks.signal);
    await target.waitHealthy().catch((err: Error) => {
      progress.event(`  cluster not healthy after recovery: ${err.message.split("\n")[0]}`);
    });
  }
  if (!hooks.signal?.aborted) {
    progress.event("phase: final reads");
    for (const [name, w] of run.workloads) {
      const reads = w.finalReads();
      if (reads.length === 0) continue;
      const oks = await pool.runOnce(name, reads);
      if (oks < reads.length) {
        test.incomplete = `${reads.length - oks} of ${reads.length} final reads of ${name} did not succeed`;
        progress.event(`  ${name}: ${test.incomplete}`);
      }
    }
  } else {
    test.incomplete ??= "interrupted";
  }
  await pool.stop();
}

/**
 * The way out, however the run ended: close the history, heal again (a no-op after a normal run, essential after
 * an error mid-workload), tear the target down and write test.json. Heal failures are the ones a fault could
 * outlive the run by, so they are recorded and said, never dropped. After an error (`failure`), a teardown that
 * fails too is said here and the error that ended the run is the one that propagates.
 */
export async function closeRun(
  run: Run,
  armed: Armed,
  recording: Recording,
  failure?: { error: unknown },
): Promise<void> {
  const { plan, progress, test } = run;
  const failed = failure !== undefined;
  recording.marks?.stop();
  if (recording.marks?.marks.length) test.marks = recording.marks.marks;
  if (recording.marks?.skipped.length) test.marksSkipped = recording.marks.skipped;
  await recording.history?.close().catch(() => undefined);
  await recording.stats?.stop(run.dir.nodesPath).catch(() => undefined);
  const lastHeal = await armed
    .heal()
    .catch((err: Error): HealFailure[] => [
      { nemesis: "every fault", error: err.message, mayRemain: "any fault this run started" },
    ]);
  noteHeal(test, lastHeal, "teardown");
  armed.unregisterHeal();
  progress.event(plan.keep ? "phase: teardown (--keep: leaving the cluster up)" : "phase: teardown");
  let teardown: TeardownResult = plan.keep ? "kept" : "failed";
  try {
    await armed.target.teardown({ keep: plan.keep });
    if (!plan.keep) teardown = "removed";
  } catch (err) {
    if (!failed) throw err;
    progress.event(`teardown failed too: ${(err as Error).message}`);
  } finally {
    if (test.healFailures) {
      test.healFailures = afterTeardown(test.healFailures, teardown, run.runId);
      for (const line of healFailureLines(test.healFailures)) progress.event(line);
    }
    const faults = Object.fromEntries(run.nemeses.filter((n) => n.record).map((n) => [n.name, n.record!()]));
    if (Object.keys(faults).length) test.faults = faults;
    // Before the history exists there is nothing to check: test.json says why, as a failed start's does.
    const startFailed = failure && !recording.history ? (failure.error as Error).message.split("\n")[0] : undefined;
    writeJson(run.dir.testPath, startFailed !== undefined ? { ...test, startFailed } : test);
  }
}

/** Checks the saved history (read back from the run directory, as `splitbrain check` would) into results.json. */
export async function checkRun(run: Run): Promise<RunResults> {
  run.progress.event("phase: check");
  const loaded = await loadHistory(run.dir.historyPath, "jsonl");
  const t0 = performance.now();
  const results = await checkHistory(loaded.history, run.test, run.plan.checkTimeoutMs);
  results.stats.checkMs = Math.round(performance.now() - t0);
  writeRunResults(run.dir.path, results);
  return results;
}

/** Writes report.html. The report is for people; failing to draw it must not cost the run its verdict. */
export async function reportRun(run: Run, results: RunResults): Promise<RunOutcome> {
  const { dir, test } = run;
  const reportPath = await writeReport(dir.path).catch((err: Error) => {
    run.progress.event(`could not write report.html: ${err.message} (retry with: splitbrain report ${dir.path})`);
    return undefined;
  });
  return {
    dir,
    results,
    valid: results.valid,
    ...(reportPath ? { reportPath } : {}),
    ...(test.healFailures ? { healFailures: test.healFailures } : {}),
  };
}

/** test.json carries heal failures only when there were some. */
function noteHeal(test: TestRecord, failures: readonly HealFailure[], at: HealFailureRecord["at"]): void {
  if (!failures.length && !test.healFailures) return;
  test.healFailures = recordHeal(test.healFailures ?? [], failures, at);
}

/** WAIT / WAITAOF are refused up front, naming the engine and version, where the server lacks them. */
async function checkDurabilitySupported(endpoints: Endpoints, plan: RunPlan): Promise<void> {
  if (plan.durability.kind === "primary") return;
  const client = connectClient(endpoints, { opTimeoutMs: 2000 });
  try {
    await whenReady(client, 5000);
    assertSupported(plan.durability, await probeServer(client, ["wait", "waitaof"]));
  } finally {
    client.disconnect();
  }
}
