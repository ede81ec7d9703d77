import { type History, isClientOp, type Op } from "./op.js";

/** One client operation: its invocation and, unless it never returned, its completion. */
export interface OpPair {
  invoke: Op;
  /** Undefined when the history ends before the op completed: as indeterminate as an `info`. */
  completion: Op | undefined;
  /** 0-based position of this operation among the pairs, in invocation order (dense, for bitsets). */
  index: number;
}

/**
 * Pairs each client invocation with its completion. Expects a validated history (see validateHistory); nemesis ops
 * are left out, since no checker pairs faults.
 */
export function pairOps(history: History): OpPair[] {
  const pairs: OpPair[] = [];
  const open = new Map<number, OpPair>();
  for (const op of history) {
    if (!isClientOp(op)) continue;
    const p = op.process as number;
    if (op.type === "invoke") {
      const pair: OpPair = { invoke: op, completion: undefined, index: pairs.length };
      pairs.push(pair);
      open.set(p, pair);
    } else {
      const pair = open.get(p);
      if (pair === undefined) {
        throw new Error(`pairOps: op ${op.index} completes process ${p}, which has no pending invoke; validate first`);
      }
      pair.completion = op;
      open.delete(p);
    }
  }
  return pairs;
}

/** What a completion tells about whether the op took effect. */
export function outcome(pair: OpPair): "ok" | "fail" | "indeterminate" {
  const t = pair.completion?.type;
  if (t === "ok") return "ok";
  if (t === "fail") return "fail";
  return "indeterminate";
}
