/**
 * Docker creations of a run that are still in flight, and the gate that refuses new ones once its teardown began.
 *
 * Teardown finds a run's resources by label. A container whose create request was sent but not yet answered is not
 * listed yet, so a teardown that lists while creations are in flight misses it, and it appears after the process
 * exited. Every create goes through `creating`, so teardown can close the gate and wait for what is in flight first.
 */

export class RunClosedError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} is being torn down: no new container or network is created for it`);
    this.name = "RunClosedError";
  }
}

const inFlight = new Map<string, Set<Promise<unknown>>>();
const closed = new Set<string>();
/**
 * Closed runs whose removal finished, oldest first. They stay closed for a while rather than being forgotten at
 * once: a set-up unwinding after an interrupt's removal must still be refused. Beyond the bound the oldest are
 * forgotten, so a long-lived process (a compare, an audit) does not keep every run id it ever tore down.
 */
const removed = new Set<string>();
export const REMEMBER_REMOVED = 64;

/** Starts a creation for `runId` (refused once the run is closed) and tracks it until it settles. */
export function creating<T>(runId: string, start: () => Promise<T>): Promise<T> {
  if (closed.has(runId)) return Promise.reject(new RunClosedError(runId));
  const p = start();
  let set = inFlight.get(runId);
  if (!set) inFlight.set(runId, (set = new Set()));
  set.add(p);
  const done = () => {
    set.delete(p);
    if (set.size === 0 && inFlight.get(runId) === set) inFlight.delete(runId);
  };
  p.then(done, done);
  return p;
}

/** From now on `creating` refuses this run: whatever teardown lists next is all there will ever be. */
export function closeRun(runId: string): void {
  closed.add(runId);
}

/** The run's removal finished: its id may be forgotten once newer removed runs push it past the bound. */
export function runRemoved(runId: string): void {
  if (!closed.has(runId)) return;
  removed.delete(runId);
  removed.add(runId);
  for (const oldest of removed) {
    if (removed.size <= REMEMBER_REMOVED) break;
    removed.delete(oldest);
    closed.delete(oldest);
  }
}

export function isClosed(runId: string): boolean {
  return closed.has(runId);
}

/** How many creations of the run have not answered yet. */
export function pendingCreations(runId: string): number {
  return inFlight.get(runId)?.size ?? 0;
}

/**
 * Waits until every creation of the run in flight has answered, at most `timeoutMs`. Resolves with how many were
 * still pending at the bound (0: all settled).
 */
export async function creationsSettled(runId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const set = inFlight.get(runId);
    if (!set || set.size === 0) return 0;
    const left = deadline - Date.now();
    if (left <= 0) return set.size;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...set]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }
}
