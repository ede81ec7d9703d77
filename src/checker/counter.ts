import type { History } from "../history/op.js";
import type { Checker, CheckResult } from "./checker.js";
import { momentsOf, type Span, spansOf, valueOf } from "./moments.js";

/**
 * A counter under INCRBY. Ops: `add` (value = delta) and `read` / `final-read` (value = the counter, null for a
 * missing key = 0). For each successful read, the value must lie within bounds valid at its time:
 * - certain: adds acknowledged before the read began happened before it; they count in both bounds;
 * - possible: adds not failed and invoked before the read completed (in flight, acknowledged later, or `info`) may
 *   or may not be included: a positive delta widens the upper bound, a negative one the lower.
 * Failed adds never happened. For the final read after healing this gives acknowledged <= value <= acknowledged +
 * indeterminate (for positive deltas).
 */

export interface CounterRead {
  /** Invocation index of the read. */
  op: number;
  f: string;
  value: number;
  lower: number;
  upper: number;
}

export interface CounterResult extends CheckResult {
  adds: { attempted: number; acknowledged: number; failed: number; indeterminate: number };
  acknowledgedSum: number;
  indeterminateSum: number;
  reads: number;
  /** Reads outside their bounds. */
  errors: CounterRead[];
  /** The last successful final read, with its bounds. */
  final: CounterRead | undefined;
}

const READS = new Set(["read", "final-read"]);

function asNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function checkCounter(history: History): CounterResult {
  const spans = spansOf(history, momentsOf(history));
  const adds = spans.filter((s) => s.pair.invoke.f === "add" && s.type !== "fail");
  const failed = spans.filter((s) => s.pair.invoke.f === "add" && s.type === "fail").length;
  const reads = spans.filter((s) => READS.has(s.pair.invoke.f) && s.type === "ok");
  const finalsAttempted = spans.some((s) => s.pair.invoke.f === "final-read");

  const delta = (s: Span) => asNumber(s.pair.invoke.value) ?? 0;
  const acked = adds.filter((s) => s.type === "ok");
  const result: CounterResult = {
    valid: true,
    adds: {
      attempted: adds.length + failed,
      acknowledged: acked.length,
      failed,
      indeterminate: adds.length - acked.length,
    },
    acknowledgedSum: acked.reduce((sum, s) => sum + delta(s), 0),
    indeterminateSum: adds.filter((s) => s.type === "info").reduce((sum, s) => sum + delta(s), 0),
    reads: reads.length,
    errors: [],
    final: undefined,
  };
  const malformed: number[] = [];
  const byEnd = new PrefixSums(adds.map((a) => [a.end, delta(a)]));
  const byStart = new PrefixSums(adds.map((a) => [a.start, delta(a)]));

  for (const read of reads) {
    const value = asNumber(valueOf(read));
    if (value === undefined) {
      malformed.push(read.pair.invoke.index);
      continue;
    }
    // Certain adds (acknowledged before the read began) are a subset of those invoked before it completed, so
    // both bounds are certain + the possible rest, each side taking its sign.
    const certain = byEnd.before(read.start);
    const invoked = byStart.before(read.end);
    const lower = certain.sum + (invoked.negative - certain.negative);
    const upper = certain.sum + (invoked.positive - certain.positive);
    const row: CounterRead = { op: read.pair.invoke.index, f: read.pair.invoke.f, value, lower, upper };
    if (value < lower || value > upper) result.errors.push(row);
    if (read.pair.invoke.f === "final-read") result.final = row;
  }

  if (result.errors.length > 0 || malformed.length > 0) {
    result.valid = false;
    const parts = [];
    if (result.errors.length) parts.push(`${result.errors.length} read(s) outside the possible range`);
    if (malformed.length)
      parts.push(`${malformed.length} read(s) returned a non-number (ops ${malformed.slice(0, 5).join(", ")})`);
    result.reason = parts.join("; ");
  } else if (finalsAttempted && !result.final) {
    result.valid = "unknown";
    result.reason = "no final read succeeded, so the final value could not be checked";
  } else if (result.final) {
    const f = result.final;
    result.reason = `final value ${f.value} within [${f.lower}, ${f.upper}]`;
  } else {
    result.reason = `${reads.length} read(s) within bounds`;
  }
  return result;
}

/** Sums of deltas whose moment is strictly before a point, in O(log n) per query (reads x adds would be quadratic). */
class PrefixSums {
  private readonly at: number[];
  private readonly sum: number[] = [0];
  private readonly pos: number[] = [0];
  private readonly neg: number[] = [0];

  constructor(entries: Array<[number, number]>) {
    entries.sort((a, b) => a[0] - b[0]);
    this.at = entries.map((e) => e[0]);
    for (const [, d] of entries) {
      this.sum.push(this.sum[this.sum.length - 1]! + d);
      this.pos.push(this.pos[this.pos.length - 1]! + Math.max(0, d));
      this.neg.push(this.neg[this.neg.length - 1]! + Math.min(0, d));
    }
  }

  before(point: number): { sum: number; positive: number; negative: number } {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! < point) lo = mid + 1;
      else hi = mid;
    }
    return { sum: this.sum[lo]!, positive: this.pos[lo]!, negative: this.neg[lo]! };
  }
}

export const counterChecker: Checker<CounterResult> = { name: "counter", check: (history) => checkCounter(history) };
