import type { Completion, Invocation, Workload } from "../../workloads/workload.js";
import { clearDeadline, type Deadline, watchDeadline } from "../client/deadlines.js";
import { classifyError } from "../client/outcome.js";
import type { TrackedSession } from "../client/session.js";

/** What the runner records as the completion of one op. */
export interface OpOutcome {
  type: "ok" | "fail" | "info";
  value?: unknown;
  error?: string;
  node?: string;
  /**
   * Set when the op failed by an error rather than by the workload's own answer (a CAS that found another value):
   * the server or the connection turned it away, which is what the runner backs off from.
   */
  refused?: true;
}

/**
 * Runs one op of a workload through a process's session and turns whatever happens into a completion. A deadline
 * beyond the per-command timeouts guards against an op that never settles; reaching it is `info`. The deadline
 * shares one timer with every other op of its length (src/client/deadlines.ts): this runs once per op.
 */
export async function perform(
  session: TrackedSession,
  workload: Workload,
  op: Invocation,
  deadlineMs: number,
): Promise<OpOutcome> {
  session.begin();
  let deadline: Deadline | undefined;
  try {
    const applying = workload.apply(session, op);
    // If the deadline wins, the op's own promise settles later into a promise already settled: it no longer matters.
    const done = await new Promise<Completion>((resolve, reject) => {
      deadline = watchDeadline(deadlineMs, reject);
      applying.then(resolve, reject);
    });
    clearDeadline(deadline!);
    return withNode(done.type, done.value, done.error, undefined, session.node);
  } catch (e) {
    if (deadline) clearDeadline(deadline);
    const c = classifyError(e, session.attempt);
    // A command refused before it was written rejects within the same tick; a process looping on such refusals
    // would never let timers (ioredis' reconnect) or sockets run. Give the event loop a turn.
    if (!session.attempt.written) await new Promise<void>((resolve) => setImmediate(resolve));
    return withNode(c.type, undefined, c.error, c.type === "fail" ? true : undefined, session.node);
  }
}

/**
 * The deadline the runner should pass: every command of an op has its own timeout; this only catches hangs. The
 * longest op sends three commands in turn (a compare-and-set's EVALSHA, its EVAL after NOSCRIPT, then WAIT), so
 * the deadline is above three command timeouts plus WAIT's own.
 */
export function opDeadlineMs(opTimeoutMs: number, waitTimeoutMs = 0): number {
  return 3 * opTimeoutMs + waitTimeoutMs + 100;
}

function withNode(
  type: OpOutcome["type"],
  value: unknown,
  error: string | undefined,
  refused: true | undefined,
  node: string | undefined,
): OpOutcome {
  const out: OpOutcome = { type };
  if (value !== undefined) out.value = value;
  if (error !== undefined) out.error = error;
  if (node !== undefined) out.node = node;
  if (refused) out.refused = true;
  return out;
}
