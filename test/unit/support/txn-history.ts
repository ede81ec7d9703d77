import type { History, Op } from "../../../src/history/op.js";

/** A micro-op as tests write it: ["append", k, v] or ["r", k, list] (the list is what an ok read returned). */
export type TestMop = [string, string | number, unknown];

/**
 * Builds list-append histories: `invoke` and `complete` in the order they happen; times are the line numbers (ns), so
 * the real-time order is the order of the calls. Reads are invoked with nil and completed with their lists.
 */
export class TxnHistory {
  readonly ops: History = [];

  invoke(process: number, mops: TestMop[]): this {
    const value = mops.map(([f, k, v]) => (f === "r" ? [f, k, null] : [f, k, v]));
    return this.push({ process, type: "invoke", f: "txn", value });
  }

  complete(process: number, type: "ok" | "fail" | "info", mops: TestMop[]): this {
    const value = mops.map(([f, k, v]) => (f === "r" && type !== "ok" ? [f, k, null] : [f, k, v]));
    return this.push({ process, type, f: "txn", value });
  }

  /** A transaction invoked and completed at once (nothing concurrent with it). */
  txn(process: number, type: "ok" | "fail" | "info", mops: TestMop[]): this {
    return this.invoke(process, mops).complete(process, type, mops);
  }

  private push(op: Omit<Op, "index" | "time">): this {
    const index = this.ops.length;
    this.ops.push({ index, time: index * 1000, ...op });
    return this;
  }
}
