import type { History, Op } from "../history/op.js";
import { type OpPair, pairOps } from "../history/pair.js";

/**
 * Where ops sit in real time, for the set, counter and queue checkers. With times on every op, the clock; otherwise
 * (histories recorded elsewhere) line order, which is real-time order. Positions are only ever compared, never
 * subtracted, except for latencies, which exist only when `timed`.
 */
export interface Moments {
  timed: boolean;
  at(op: Op): number;
}

export function momentsOf(history: History): Moments {
  const timed = history.length > 0 && history.every((op) => typeof op.time === "number");
  return timed ? { timed, at: (op) => op.time as number } : { timed, at: (op) => op.index };
}

/** A paired op with its moments: `end` is +Infinity while the op may still take effect (info or never completed). */
export interface Span {
  pair: OpPair;
  start: number;
  end: number;
  type: "ok" | "fail" | "info";
}

export function spansOf(history: History, moments: Moments): Span[] {
  return pairOps(history).map((pair) => {
    const c = pair.completion;
    const type = c === undefined || c.type === "info" || c.type === "invoke" ? "info" : c.type;
    return { pair, start: moments.at(pair.invoke), end: type === "info" || !c ? Infinity : moments.at(c), type };
  });
}

/** Value of the completion when there is one, else of the invocation. */
export function valueOf(span: Span): unknown {
  return span.pair.completion?.value !== undefined ? span.pair.completion.value : span.pair.invoke.value;
}

/** Nearest-rank quantiles of a list of numbers (empty list: undefined). */
export function quantiles(
  values: number[],
  qs: readonly number[] = [0, 0.5, 0.95, 0.99, 1],
): Record<string, number> | undefined {
  if (values.length === 0) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const q of qs) {
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    out[String(q)] = sorted[rank] as number;
  }
  return out;
}
