import type { Verdict } from "../core/exit.js";
import type { History } from "../history/op.js";

/** What every checker returns: a verdict, and the evidence for it. */
export interface CheckResult {
  valid: Verdict;
  /** Why the verdict is `unknown` (always set then), or a one-line summary otherwise. */
  reason?: string;
  [evidence: string]: unknown;
}

/**
 * A checker is a pure function of a history (and the test's options); it does no I/O. How its result shows itself
 * (report section, verdict words, JUnit text, lost-write figures) is its kind (kind.ts), registered under the same
 * `name` in kinds.ts, since the report reads saved results, not live checkers.
 */
export interface Checker<R extends CheckResult = CheckResult> {
  name: string;
  check(history: History, opts?: Record<string, unknown>): R | Promise<R>;
}
