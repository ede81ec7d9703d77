import type { History, Op } from "../../history/op.js";
import { isElement, isNil, type OpProblem } from "../../history/values.js";
import { momentsOf, spansOf } from "../moments.js";

/**
 * Transactions over append-only lists, in Elle's shape: an op's `f` is `txn` and its value a list of micro-ops,
 * `["append", k, v]` or `["r", k, list | nil]` (EDN `[[:append 1 2] [:r 1 nil]]` reads as exactly that). The
 * invocation's reads carry nil; an `ok` completion carries what each read returned. Appended values are unique per
 * key, which is what lets a read's list name the transactions it saw.
 */

export type MicroOp =
  | ["append", string | number, string | number]
  | ["r", string | number, Array<string | number> | null];

export const TXN = "txn";

export interface Txn {
  /** The invocation's index in the history: the name a user finds it by (shown as T<id>). */
  id: number;
  process: number;
  type: "ok" | "fail" | "info";
  start: number;
  /** +Infinity while it may still take effect (info). */
  end: number;
  /** The completion's micro-ops when ok (reads filled in), else the invocation's. */
  mops: MicroOp[];
}

const KEY = "a key (a number or a string)";
export const MOPS = '[["append", k, v] | ["r", k, nil or [values...]], ...]';

function mopProblem(m: unknown, type: string): string | undefined {
  if (!Array.isArray(m) || m.length < 2 || m.length > 3) return `each micro-op to be ${MOPS}`;
  const [f, k, v] = m as unknown[];
  if (!isElement(k)) return `the key of each micro-op to be ${KEY}`;
  if (f === "append") return isElement(v) ? undefined : "an append to carry one value (a number or a string)";
  if (f === "r") {
    if (isNil(v)) return undefined;
    if (Array.isArray(v) && v.every(isElement))
      return type === "invoke" ? "a read to carry nil when invoked" : undefined;
    return "a read to carry nil or a list of values";
  }
  return `each micro-op's f to be append or r (${MOPS})`;
}

/** Whether one op is a transaction this checker reads as intended. */
export function txnOpProblem(op: Op): OpProblem | undefined {
  if (op.f !== TXN) return { field: "f", expected: "txn" };
  if (isNil(op.value) && op.type !== "invoke" && op.type !== "ok") return undefined;
  if (!Array.isArray(op.value)) return { field: "value", expected: `a list of micro-ops ${MOPS}` };
  for (const m of op.value) {
    const why = mopProblem(m, op.type);
    if (why) return { field: "value", expected: why };
  }
  return undefined;
}

/** The history's transactions, in invocation order, with their moments (ns or line order). */
export function txnsOf(history: History): { txns: Txn[]; timed: boolean } {
  const moments = momentsOf(history);
  const txns: Txn[] = [];
  for (const span of spansOf(history, moments)) {
    if (span.pair.invoke.f !== TXN) continue;
    const done = span.pair.completion;
    const value = span.type === "ok" && Array.isArray(done?.value) ? done.value : span.pair.invoke.value;
    txns.push({
      id: span.pair.invoke.index,
      process: span.pair.invoke.process as number,
      type: span.type,
      start: span.start,
      end: span.end,
      mops: Array.isArray(value) ? (value as MicroOp[]) : [],
    });
  }
  return { txns, timed: moments.timed };
}

/** How a value or key is written in sentences and tables: as EDN would (strings quoted only when needed). */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
  if (v === null || v === undefined) return "nil";
  return String(v);
}
