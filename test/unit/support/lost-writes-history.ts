import type { History, Op, OpType } from "../../../src/history/op.js";

/**
 * Builds hand-written histories for the lost-write checker tests: line order is real-time order, and `time`
 * (nanoseconds) is set only when the builder is created timed, one millisecond per line.
 */
export class HistoryBuilder {
  readonly ops: History = [];
  constructor(private readonly timed = false) {}

  private push(
    process: number,
    type: OpType,
    f: string,
    key: string | undefined,
    value: unknown,
    error?: string,
  ): this {
    const op: Op = { index: this.ops.length, process, type, f };
    if (this.timed) op.time = this.ops.length * 1_000_000;
    if (key !== undefined) op.key = key;
    if (value !== undefined) op.value = value;
    if (error !== undefined) op.error = error;
    this.ops.push(op);
    return this;
  }

  invoke(process: number, f: string, key?: string, value?: unknown): this {
    return this.push(process, "invoke", f, key, value);
  }
  ok(process: number, f: string, key?: string, value?: unknown): this {
    return this.push(process, "ok", f, key, value);
  }
  fail(process: number, f: string, key?: string, value?: unknown, error = "refused"): this {
    return this.push(process, "fail", f, key, value, error);
  }
  info(process: number, f: string, key?: string, value?: unknown, error = "Command timed out"): this {
    return this.push(process, "info", f, key, value, error);
  }
  /** A whole op, invoked and completed back to back. */
  op(process: number, type: "ok" | "fail" | "info", f: string, key?: string, value?: unknown, result?: unknown): this {
    this.invoke(process, f, key, value);
    return this.push(
      process,
      type,
      f,
      key,
      result === undefined ? value : result,
      type === "ok" ? undefined : type === "fail" ? "refused" : "Command timed out",
    );
  }
}
