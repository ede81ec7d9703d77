/**
 * One entry of a history, as Jepsen records it.
 *
 * An operation appears twice: an `invoke` when a process starts it and a completion (`ok`, `fail` or `info`) when
 * it ends. `fail` means it definitely did not happen; `info` means it may have happened at any time after its
 * invocation, so its return is treated as +infinity. A process runs one operation at a time and never issues
 * again after an `info` (the client takes a fresh process id).
 */
export type OpType = "invoke" | "ok" | "fail" | "info";

/** Client processes are integers; faults are recorded under the process `"nemesis"`. */
export type Process = number | "nemesis";

export interface Op {
  /** Position in the history, 0-based and dense once the history is indexed. */
  index: number;
  /**
   * Nanoseconds since the test started, from one monotonic clock. Histories recorded elsewhere may carry no
   * times; readers then leave it undefined and the order of the lines is the real-time order.
   */
  time?: number;
  process: Process;
  type: OpType;
  f: string;
  key?: string | number | null;
  value?: unknown;
  error?: string;
  /** Which node served the request, when the client knows. */
  node?: string;
}

export type History = Op[];

export const OP_TYPES: readonly OpType[] = ["invoke", "ok", "fail", "info"];

export function isClientOp(op: Op): boolean {
  return op.process !== "nemesis";
}
