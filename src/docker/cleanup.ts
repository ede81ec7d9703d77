import { ExitCode } from "../core/exit.js";
import { say } from "../core/output.js";
import { AT_ONCE_MS, exitFlushed } from "../core/stdio.js";
import { closeRun, creationsSettled, runRemoved } from "./creations.js";
import { docker } from "./engine.js";
import { runFilter } from "./labels.js";

/**
 * Teardown owned by one place. Anything that must be undone even when the process is interrupted (a run's
 * containers, a half-built image's scratch directory) registers here; SIGINT/SIGTERM run every action once.
 */
interface Teardown {
  what: string;
  action: () => Promise<unknown>;
}

const pending = new Map<number, Teardown>();
let nextId = 1;

/** Registers an action; the returned function unregisters it (call it once the thing was undone normally). */
export function onTeardown(what: string, action: () => Promise<unknown>): () => void {
  const id = nextId++;
  pending.set(id, { what, action });
  return () => {
    pending.delete(id);
  };
}

const trackedRuns = new Map<string, () => void>();

/** Makes sure an interrupt removes everything labelled with this run id. Idempotent per run. */
export function trackRun(runId: string): void {
  if (trackedRuns.has(runId)) return;
  trackedRuns.set(
    runId,
    onTeardown(`run ${runId}`, () => removeRun(runId)),
  );
}

/** Drops the interrupt hook of a run that was cleaned up normally. */
export function untrackRun(runId: string): void {
  trackedRuns.get(runId)?.();
  trackedRuns.delete(runId);
}

/** Runs every pending action, newest first (undo in reverse order of doing); failures are reported, not fatal. */
export async function runTeardowns(): Promise<string[]> {
  const failures: string[] = [];
  const all = [...pending.entries()].reverse();
  pending.clear();
  trackedRuns.clear();
  for (const [, t] of all) {
    try {
      await t.action();
    } catch (err) {
      failures.push(`${t.what}: ${(err as Error).message}`);
    }
  }
  return failures;
}

/**
 * The three stages of SIGINT/SIGTERM, for every command that makes things which must not outlive it. A caller
 * that can stop gracefully (a run heals, tears down and checks what it recorded) takes the first interrupt for
 * that; the next one runs every pending teardown now and says what could not be healed or removed; the last exits
 * at once, telling the user how to finish the job. Without a graceful stage the first interrupt cleans up, and the
 * second only says that cleanup is still going.
 */
export interface InterruptStages {
  /** Said after "<SIGNAL>: " on the first interrupt, then `stop` is called. */
  graceful?: { say: string; stop: () => void };
  /** Exit code once cleanup is done or given up. */
  exitCode: number;
}

/** Handles SIGINT and SIGTERM in stages; the returned function removes the handler. */
export function onInterrupts(stages: InterruptStages): () => void {
  let count = 0;
  const cleanupAt = stages.graceful ? 2 : 1;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1 && stages.graceful) {
      say(`\n${signal}: ${stages.graceful.say}`);
      stages.graceful.stop();
    } else if (count === cleanupAt) {
      say(
        stages.graceful
          ? "cleaning up now (faults, containers, network); Ctrl-C once more to exit at once"
          : `\n${signal}: cleaning up (containers and networks of this run)...`,
      );
      void runTeardowns()
        .then((failures) => {
          for (const f of failures) say(`cleanup failed: ${f}`);
          if (failures.length) say("run `splitbrain clean` to remove what is left");
        })
        .finally(() => exitFlushed(stages.exitCode));
    } else if (count === 2) {
      say("still cleaning up; press Ctrl-C once more to exit now (then run `splitbrain clean`)");
    } else {
      say("exiting without finishing cleanup: run `splitbrain clean` to remove what is left");
      exitFlushed(stages.exitCode, { withinMs: AT_ONCE_MS });
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

let installed = false;

/** For a command with nothing to stop gracefully: the first interrupt cleans up, then exits (by default 2). */
export function installSignalHandlers(exitCode: number = ExitCode.Unknown): void {
  if (installed) return;
  installed = true;
  onInterrupts({ exitCode });
}

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
}

function gone(err: unknown): boolean {
  // Someone else (a concurrent clean, Docker's own auto-remove) got there first: that is success.
  const code = (err as { statusCode?: number }).statusCode;
  return code === 404 || /removal of container .* is already in progress/i.test((err as Error).message ?? "");
}

/** Removes containers (forcibly, with their anonymous volumes), then networks, then volumes of one run or all runs. */
export async function cleanRun(runId?: string): Promise<Removed> {
  const d = docker();
  const filters = runFilter(runId);
  const removed: Removed = { containers: [], networks: [], volumes: [] };

  const containers = await d.listContainers({ all: true, filters });
  await Promise.all(
    containers.map(async (info) => {
      try {
        await d.getContainer(info.Id).remove({ force: true, v: true });
      } catch (err) {
        if (!gone(err)) throw err;
      }
      removed.containers.push((info.Names[0] ?? info.Id).replace(/^\//, ""));
    }),
  );

  for (const net of await d.listNetworks({ filters })) {
    try {
      await d.getNetwork(net.Id).remove();
    } catch (err) {
      if (!gone(err)) throw err;
    }
    removed.networks.push(net.Name);
  }

  const volumes = (await d.listVolumes({ filters })).Volumes ?? [];
  for (const vol of volumes) {
    try {
      await d.getVolume(vol.Name).remove();
    } catch (err) {
      if (!gone(err)) throw err;
    }
    removed.volumes.push(vol.Name);
  }
  if (runId !== undefined) untrackRun(runId);
  removed.containers.sort();
  return removed;
}

export interface RemoveBounds {
  /** How long to wait for creations in flight (a create answered after the listing would be missed). */
  settleMs: number;
  /** How long to keep listing and removing until nothing labelled is left. */
  removeMs: number;
}

export const REMOVE_BOUNDS: RemoveBounds = { settleMs: 60_000, removeMs: 60_000 };

/** The I/O removeUntilGone needs; tests pass fakes. */
export interface RemoveOps {
  settle(timeoutMs: number): Promise<number>;
  clean(): Promise<Removed>;
  left(): Promise<Removed>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

const count = (r: Removed) => r.containers.length + r.networks.length + r.volumes.length;

/**
 * Removes, then lists again, until nothing is left or the bound passes. One pass is not enough: a container whose
 * removal another caller started is listed but not yet gone, and its network refuses removal ("active endpoints")
 * until it is. Throws, naming what is left and how to remove it, when the bound passes first.
 */
export async function removeUntilGone(runId: string, ops: RemoveOps, bounds: RemoveBounds): Promise<Removed> {
  const unsettled = await ops.settle(bounds.settleMs);
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  const deadline = ops.now() + bounds.removeMs;
  let pause = 100;
  let lastError: string | undefined;
  for (;;) {
    try {
      const r = await ops.clean();
      removed.containers.push(...r.containers);
      removed.networks.push(...r.networks);
      removed.volumes.push(...r.volumes);
    } catch (err) {
      lastError = (err as Error).message;
    }
    const left = await ops.left();
    if (count(left) === 0) return removed;
    if (ops.now() >= deadline) {
      const names = [...left.containers, ...left.networks, ...left.volumes].join(", ");
      const why = unsettled ? `; ${unsettled} creation(s) had not answered after ${bounds.settleMs} ms` : "";
      throw new Error(
        `still labelled with run ${runId} after ${bounds.removeMs} ms of removing: ${names}` +
          `${lastError ? ` (last error: ${lastError})` : ""}${why}; remove it with: splitbrain clean --run ${runId}`,
      );
    }
    await ops.sleep(pause);
    pause = Math.min(pause * 2, 2000);
  }
}

const removing = new Map<string, Promise<Removed>>();

/**
 * Teardown's removal of a run: no new creation starts for it from now on, creations in flight are waited for, then
 * everything labelled with the run id is removed until nothing is left. Callers racing (Ctrl-C's hook and set-up's
 * own failure path) queue behind one another instead of interleaving their listings.
 */
export function removeRun(runId: string, bounds: RemoveBounds = REMOVE_BOUNDS): Promise<Removed> {
  closeRun(runId);
  const before = removing.get(runId) ?? Promise.resolve(undefined);
  const next = before
    .catch(() => undefined)
    .then(() =>
      removeUntilGone(
        runId,
        {
          settle: (ms) => creationsSettled(runId, ms),
          clean: () => cleanRun(runId),
          left: () => leftovers(runId),
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          now: () => Date.now(),
        },
        bounds,
      ),
    );
  removing.set(runId, next);
  const forget = () => {
    if (removing.get(runId) === next) removing.delete(runId);
  };
  next.then(() => {
    forget();
    runRemoved(runId);
  }, forget);
  return next;
}

export function cleanAll(): Promise<Removed> {
  return cleanRun(undefined);
}

/** What is still labelled (for tests and CI asserting that nothing leaked). */
export async function leftovers(runId?: string): Promise<Removed> {
  const d = docker();
  const filters = runFilter(runId);
  const [containers, networks, volumes] = await Promise.all([
    d.listContainers({ all: true, filters }),
    d.listNetworks({ filters }),
    d.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, "")),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}
