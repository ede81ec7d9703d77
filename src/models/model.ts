import type { Op, Process } from "../history/op.js";
import type { OpProblem } from "../history/values.js";

/**
 * One client operation as the linearizability search sees it: an invocation paired with its completion, already
 * read into the model's own input and output. `fail` operations never become a Call (they did not happen).
 */
export interface Call<I = unknown, O = unknown> {
  /** The invocation's `index` in the history: the id users see in counterexamples. */
  id: number;
  /** The completion's `index`, or null when the operation is pending (info, or never completed). */
  completionId: number | null;
  process: Process;
  f: string;
  key: string | number | null;
  input: I;
  /** Undefined exactly when `pending`: the outcome is not known. */
  output: O | undefined;
  /** True for `info` and for invocations that never completed: return at +infinity, effect optional. */
  pending: boolean;
  /** Real-time positions: nanoseconds, or line numbers for histories without times. `ret` is Infinity if pending. */
  call: number;
  ret: number;
}

/** What a model says about one operation: allowed (with the state after it), or impossible in that state. */
export type StepResult<S> = { ok: true; next: S } | false;

/** What `decode` makes of an operation: its input and output, or null when it constrains nothing at all. */
export type Decoded<I, O> = { input: I; output: O | undefined } | null;

/**
 * A sequential specification, porcupine-style: plain data and small pure functions, so a new model is one file.
 *
 * `step` receives `output === undefined` for a pending operation and must then answer "could it have taken effect
 * here, and with what result"; the checker separately allows a pending operation never to take effect.
 */
export interface Model<S = any, I = any, O = any> {
  readonly name: string;
  /**
   * Reads a client operation (invocation, and its ok completion or undefined when pending) into this model's
   * terms. Returns null for operations that cannot influence the verdict (a pending read). Throws UsageError for
   * operations the model does not know.
   */
  decode(invoke: Op, completion: Op | undefined): Decoded<I, O>;
  /**
   * Whether one op (invocation or completion) is something `decode` can read faithfully: a known f and a value of
   * the right type. Called on every client op before checking, so a malformed line is refused with its file and
   * line instead of being decoded into a wrong but plausible value.
   */
  checkOp(op: Op): OpProblem | undefined;
  init(): S;
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  equal(a: S, b: S): boolean;
  /** Equal states must give the same (===) value; the checker keys a Map by it, so a string need not be hashed. */
  hash(state: S): number | string;
  /** Splits calls into independently checkable groups (P-compositionality); order within a group is kept. */
  partition(calls: readonly Call<I, O>[]): Call<I, O>[][];
  /**
   * Optional: drops pending calls of one partition whose effect no completed call could ever observe (a pending
   * write of a value nobody reads). Taking effect or not is then indistinguishable, so the verdict is unchanged, but
   * the search no longer tries every place such a call could go.
   */
  pruneUnobserved?(calls: readonly Call<I, O>[]): Call<I, O>[];
  describeOp(input: I, output: O | undefined): string;
  describeState(state: S): string;
}
