import type { Invocation, Workload } from "../../workloads/workload.js";
import { classifyError } from "./outcome.js";
import type { TrackedSession } from "./session.js";

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
 * beyond the per-command timeouts guards against an op that never settles; reaching it is `info`.
 */
export async function perform(session: TrackedSession, workload: Workload, op: Invocation, deadlineMs: number): Promise<OpOutcome> {
  session.begin();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Command timed out (op deadline of ${deadlineMs} ms)`)), deadlineMs);
  });
  try {
    const applying = workload.apply(session, op);
    // If the deadline wins, the op's own promise settles later; its result no longer matters.
    applying.catch(() => undefined);
    const done = await Promise.race([applying, deadline]);
    return withNode({ type: done.type, value: done.value, error: done.error }, session.node);
  } catch (e) {
    const c = classifyError(e, session.attempt);
    // A command refused before it was written rejects within the same tick; a process looping on such refusals
    // would never let timers (ioredis' reconnect) or sockets run. Give the event loop a turn.
    if (!session.attempt.written) await new Promise<void>((resolve) => setImmediate(resolve));
    return withNode(c.type === "fail" ? { type: c.type, error: c.error, refused: true } : { type: c.type, error: c.error }, session.node);
  } finally {
    clearTimeout(timer);
  }
}

/** The deadline the runner should pass: every command of an op has its own timeout; this only catches hangs. */
export function opDeadlineMs(opTimeoutMs: number, waitTimeoutMs = 0): number {
  return 2 * opTimeoutMs + waitTimeoutMs + 100;
}

function withNode(o: OpOutcome, node: string | undefined): OpOutcome {
  const out: OpOutcome = { type: o.type };
  if (o.value !== undefined) out.value = o.value;
  if (o.error !== undefined) out.error = o.error;
  if (node !== undefined) out.node = node;
  if (o.refused) out.refused = true;
  return out;
}
