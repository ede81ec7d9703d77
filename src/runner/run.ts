import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { UsageError, type Verdict } from "../core/exit.js";
import { newRunId } from "../docker/labels.js";
import { onTeardown } from "../docker/cleanup.js";
import { requireDocker } from "../docker/engine.js";
import { ensureNodeImage } from "../image/images.js";
import { startCluster, type RunningCluster, type StartOptions } from "../cluster/start.js";
import { probeServer } from "../client/session.js";
import { connectClient, whenReady } from "../client/connect.js";
import { assertSupported } from "../client/durability.js";
import { HistoryWriter } from "../history/writer.js";
import { createHealer, runSchedule, type HealFailure } from "../nemesis/driver.js";
import { activeWindows, planSchedule } from "../nemesis/schedule.js";
import { packageRoot } from "../core/paths.js";
import { SeededRng } from "../core/rng.js";
import { createWorkload } from "../../workloads/index.js";
import type { Workload } from "../../workloads/workload.js";
import { NEMESES } from "../../nemeses/index.js";
import type { Nemesis, NemesisContext } from "../nemesis/nemesis.js";
import { checkHistory, type RunResults, type TestRecord } from "./checkRun.js";
import { ClientPool } from "./clients.js";
import { monotonicClock, formatOffset } from "./clock.js";
import type { RunPlan } from "./plan.js";
import { Progress, type RunCounts } from "./progress.js";
import { createRunDir, pointLatest, runDirName, writeJson, type RunDir } from "../rundir/paths.js";
import { writeRunResults } from "../rundir/evidence.js";
import { afterTeardown, healFailureLines, recordHeal, type HealFailureRecord, type TeardownResult } from "../rundir/healFailures.js";
import { StatsSampler } from "./stats.js";
import { loadHistory } from "../history/read.js";
import { writeReport } from "../report/write.js";
import { sleep } from "./sleep.js";

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
  duringWorkload?: (cluster: RunningCluster, clock: { now(): number }) => Promise<void>;
  /** Passed to startCluster: wraps the client reachability probe (tests make container addresses unreachable). */
  aroundReachProbe?: StartOptions["aroundReachProbe"];
}

function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}


/**
 * One run, phase by phase: cluster -> health -> workload with faults -> heal -> recovery -> final reads ->
 * teardown -> check. Every phase after the cluster exists runs in a `finally` chain, so faults are healed and
 * containers removed however the run ends; the history is streamed, so even a crashed run can be re-checked.
 */
export async function runPlan(plan: RunPlan, hooks: RunHooks = {}): Promise<RunOutcome> {
  const progress = hooks.progress ?? new Progress();
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  // Asked before the run directory exists: a start that cannot begin (no engine, no image) leaves nothing behind.
  await requireDocker();
  const image = plan.cluster.image ?? (await ensureNodeImage({ db: plan.cluster.db, ...(plan.cluster.version ? { version: plan.cluster.version } : {}) }));
  const dir = createRunDir(plan.resultsRoot, runDirName(startedAt, plan.cluster.db, plan.cluster.topology, runId));
  const test: TestRecord = {
    tool: { name: "splitbrain", version: toolVersion() },
    runId,
    startedAt: startedAt.toISOString(),
    command: hooks.command ?? process.argv.slice(2),
    plan,
  };
  writeJson(dir.testPath, test);
  progress.event(`run ${runId}: ${dir.path}`);
  progress.event(`seed ${plan.seed} (repeat with --seed ${plan.seed})`);

  const workloads = new Map<string, Workload>(
    plan.workloads.map((w) => [w, createWorkload(w, plan.keys !== undefined ? { keys: plan.keys } : {})]),
  );
  const nemeses: Nemesis[] = plan.nemeses.map((n) => NEMESES.get(n)!.create(plan.nemesisOptions));

  progress.event(`phase: start cluster (${plan.cluster.db}, ${plan.cluster.topology})`);
  const cluster: RunningCluster = await startCluster(plan.cluster, {
    image,
    runId,
    resultsDir: dir.path,
    log: (line) => progress.event(`  ${line}`),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    // Only runs with a fault that needs it pay for the lazy filesystem.
    ...(plan.nemeses.some((n) => NEMESES.get(n)!.needsLazyFs)
      ? { lazyFs: { strictMetadata: plan.nemesisOptions.strictMetadata ?? false } }
      : {}),
    clientMode: plan.clientMode ?? "auto",
    ...(hooks.aroundReachProbe ? { aroundReachProbe: hooks.aroundReachProbe } : {}),
  }).catch((err: Error) => {
    // The directory of a failed start is kept, with test.json saying why: containers that did start left their
    // logs and configs in nodes/ (teardown collects them), the evidence of why health or set-up failed. `latest`
    // still points at the last run with a history, so nothing reads this one by accident.
    writeJson(dir.testPath, { ...test, startFailed: err.message.split("\n")[0] });
    throw err;
  });
  const clock = monotonicClock();
  // Lets logs stamped with wall time (Sentinel's, the servers') be placed on the run's clock.
  test.clockStartedAt = new Date().toISOString();
  const nemesisCtx: NemesisContext = {
    cluster,
    rng: new SeededRng((plan.seed ^ 0x5bd1e995) >>> 0),
    log: (line) => progress.event(`  [${formatOffset(clock.now())}] ${line}`),
  };
  const heal = createHealer(nemeses, nemesisCtx);
  // Newer than the cluster's own teardown hook, so an interrupt heals before containers go.
  // Failures reject, so the interrupt's cleanup says them: a second Ctrl-C may exit before test.json records them.
  const unregisterHeal = onTeardown(`heal faults of run ${runId}`, async () => {
    const failures = await heal();
    if (failures.length) throw new Error(failures.map((f) => `could not heal ${f.nemesis}: ${f.error} (may remain: ${f.mayRemain})`).join("; "));
  });
  let history: HistoryWriter | undefined;
  let stats: StatsSampler | undefined;
  const counts: RunCounts = { ok: 0, fail: 0, info: 0 };
  let failedBeforeHistory: string | undefined;
  try {
    test.cluster = {
      nodes: cluster.allNodes.map((n) => ({ name: n.name, kind: n.kind, ip: n.ip, port: n.port })),
      capabilities: cluster.capabilities,
      timings: cluster.timings,
      ...(Object.keys(cluster.runtime).length ? { runtime: cluster.runtime } : {}),
      client: cluster.reach,
    };
    await checkDurabilitySupported(cluster, plan);
    for (const n of nemeses) {
      const why = await n.unavailable?.(nemesisCtx);
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
    writeJson(dir.testPath, test);

    history = await HistoryWriter.create(dir.historyPath);
    pointLatest(plan.resultsRoot, basename(dir.path));
    const h = history;
    const pool = new ClientPool({
      endpoints: cluster.endpoints,
      slots: plan.slots,
      workloads,
      opTimeoutMs: plan.opTimeoutMs,
      durability: plan.durability,
      rate: plan.rate,
      seed: plan.seed,
      clock,
      history: h,
      counts,
      nodeName: (addr) => {
        if (!addr) return undefined;
        const i = addr.lastIndexOf(":");
        return cluster.nodeByAddress(addr.slice(0, i), Number(addr.slice(i + 1)))?.name ?? addr;
      },
    });

    progress.event(`phase: workload for ${plan.timeLimitMs / 1000}s (${plan.workloads.join(", ")}; ${plan.concurrency} clients; faults: ${plan.nemeses.join(", ") || "none"})`);
    const workloadStop = new AbortController();
    // The schedule stops early only on an interrupt; at the time limit it still records its final stops.
    const scheduleStop = new AbortController();
    const onAbort = () => {
      workloadStop.abort();
      scheduleStop.abort();
    };
    hooks.signal?.addEventListener("abort", onAbort, { once: true });
    // A Ctrl-C that came after set-up's last step but before this listener (the checks above) still stops the run.
    if (hooks.signal?.aborted) onAbort();
    const active = new Set<string>();
    const startNs = clock.now();
    pool.start();
    stats = new StatsSampler(cluster.allNodes.map((n) => ({ name: n.name, containerId: n.containerId })));
    const faults = runSchedule({
      events: schedule,
      nemeses: new Map(nemeses.map((n) => [n.name, n])),
      ctx: nemesisCtx,
      waitUntil: (atMs, signal) => sleep(atMs - (clock.now() - startNs) / 1e6, signal),
      record: (op) => {
        if (op.type === "ok" || op.type === "info") {
          const n = nemeses.find((x) => x.fs.start === op.f || x.fs.stop === op.f);
          if (n) (op.f === n.fs.start ? active.add(n.name) : active.delete(n.name));
        }
        h.append({ process: "nemesis", time: clock.now(), ...op });
      },
      signal: scheduleStop.signal,
    }).catch((err: Error) => progress.event(`nemesis schedule stopped: ${err.message}`));
    const extra = hooks.duringWorkload?.(cluster, clock).catch((err: Error) => progress.event(`during-workload step failed: ${err.message}`));
    const ticker = setInterval(() => {
      progress.status({ phase: "workload", elapsedMs: (clock.now() - startNs) / 1e6, totalMs: plan.timeLimitMs, counts, activeFaults: [...active] });
    }, 250);
    await sleep(plan.timeLimitMs, workloadStop.signal);
    workloadStop.abort();
    await pool.stop();
    await faults;
    await extra;
    await stats.stop(dir.nodesPath);
    clearInterval(ticker);
    progress.done();
    hooks.signal?.removeEventListener("abort", onAbort);
    if (hooks.signal?.aborted) test.incomplete = "interrupted during the workload";
    progress.event(`workload done: ok ${counts.ok}, fail ${counts.fail}, info ${counts.info}`);

    progress.event("phase: heal every fault");
    h.append({ process: "nemesis", type: "invoke", f: "heal", time: clock.now() });
    const failures = await heal();
    h.append({ process: "nemesis", type: failures.length ? "info" : "ok", f: "heal", time: clock.now(), ...(failures.length ? { error: failures.map((f) => `${f.nemesis}: ${f.error}`).join("; ") } : {}) });
    for (const f of failures) progress.event(`  could not heal ${f.nemesis}: ${f.error} (may remain: ${f.mayRemain})`);
    noteHeal(test, failures, "heal");

    if (!hooks.signal?.aborted) {
      progress.event(`phase: recovery (${plan.recoveryMs / 1000}s, then wait for a healthy cluster)`);
      await sleep(plan.recoveryMs, hooks.signal);
      await cluster.waitHealthy().catch((err: Error) => {
        progress.event(`  cluster not healthy after recovery: ${err.message.split("\n")[0]}`);
      });
    }
    if (!hooks.signal?.aborted) {
      progress.event("phase: final reads");
      for (const [name, w] of workloads) {
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
  } catch (err) {
    // Before the history exists there is nothing to check: test.json says why, as a failed start's does.
    if (!history) failedBeforeHistory = (err as Error).message.split("\n")[0];
    throw err;
  } finally {
    await history?.close().catch(() => undefined);
    await stats?.stop(dir.nodesPath).catch(() => undefined);
    // Heal again on the way out: a no-op after a normal run, essential after an error mid-workload. Its failures are
    // the ones a fault could outlive the run by, so they are recorded and said, never dropped.
    const lastHeal = await heal().catch((err: Error): HealFailure[] => [
      { nemesis: "every fault", error: err.message, mayRemain: "any fault this run started" },
    ]);
    noteHeal(test, lastHeal, "teardown");
    unregisterHeal();
    progress.event(plan.keep ? "phase: teardown (--keep: leaving the cluster up)" : "phase: teardown");
    let teardown: TeardownResult = plan.keep ? "kept" : "failed";
    try {
      await cluster.teardown({ keep: plan.keep });
      if (!plan.keep) teardown = "removed";
    } finally {
      if (test.healFailures) {
        test.healFailures = afterTeardown(test.healFailures, teardown, runId);
        for (const line of healFailureLines(test.healFailures)) progress.event(line);
      }
      writeJson(dir.testPath, failedBeforeHistory !== undefined ? { ...test, startFailed: failedBeforeHistory } : test);
    }
  }

  progress.event("phase: check");
  const loaded = await loadHistory(dir.historyPath, "jsonl");
  const t0 = performance.now();
  const results = await checkHistory(loaded.history, test, plan.checkTimeoutMs);
  results.stats.checkMs = Math.round(performance.now() - t0);
  writeRunResults(dir.path, results);
  // The report is for people; failing to draw it must not cost the run its verdict.
  const reportPath = await writeReport(dir.path).catch((err: Error) => {
    progress.event(`could not write report.html: ${err.message} (retry with: splitbrain report ${dir.path})`);
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
async function checkDurabilitySupported(cluster: RunningCluster, plan: RunPlan): Promise<void> {
  if (plan.durability.kind === "primary") return;
  const client = connectClient(cluster.endpoints, { opTimeoutMs: 2000 });
  try {
    await whenReady(client, 5000);
    assertSupported(plan.durability, await probeServer(client, ["wait", "waitaof"]));
  } finally {
    client.disconnect();
  }
}
