import { describe, expect, it } from "vitest";
import { HistoryFormatError } from "../../src/history/errors.js";
import type { History, Op } from "../../src/history/op.js";
import { outcome, pairOps } from "../../src/history/pair.js";
import { validateHistory } from "../../src/history/validate.js";

let next = 0;
function op(process: Op["process"], type: Op["type"], f: string, extra: Partial<Op> = {}): Op {
  return { index: next++, process, type, f, ...extra };
}
function h(...ops: Op[]): History {
  return ops.map((o, i) => ({ ...o, index: i }));
}
function problem(history: History, lines?: number[]): HistoryFormatError {
  try {
    validateHistory(history, lines ? { file: "h", lines } : { file: "h" });
  } catch (err) {
    expect(err).toBeInstanceOf(HistoryFormatError);
    return err as HistoryFormatError;
  }
  throw new Error("expected the history to be rejected");
}

describe("history validation", () => {
  it("accepts interleaved processes, pending invokes at the end, and nemesis ops in any order", () => {
    const ok = h(
      op(0, "invoke", "write", { value: 1 }),
      op(1, "invoke", "read"),
      op("nemesis", "info", "start"),
      op("nemesis", "info", "start"),
      op(1, "ok", "read", { value: null }),
      op(0, "info", "write", { value: 1 }),
      op(2, "invoke", "read"),
      op(1, "invoke", "cas", { value: [1, 2] }),
      op(1, "fail", "cas", { value: [1, 2] }),
    );
    expect(() => validateHistory(ok, { file: "h" })).not.toThrow();
    expect(() => validateHistory([], { file: "h" })).not.toThrow();
  });

  it("rejects a process that issues after its :info, naming both lines", () => {
    const err = problem(h(op(0, "invoke", "read"), op(0, "info", "read"), op(0, "invoke", "read")), [10, 11, 12]);
    expect(err.line).toBe(12);
    expect(err.message).toBe(
      "h:12: process 0 appears again after its :info at line 11 (expected a crashed process never to issue again: " +
        "Jepsen gives the client a new process id)",
    );
  });

  it("rejects two invokes in a row on one process", () => {
    expect(problem(h(op(3, "invoke", "read"), op(3, "invoke", "write"))).message).toMatch(
      /^h:2: process 3 invokes again while its read from line 1 has not completed/,
    );
  });

  it("rejects a completion with no invoke, or with another f or key", () => {
    expect(problem(h(op(0, "ok", "read"))).message).toMatch(
      /^h:1: process 0 completes read with :ok but has no pending invoke/,
    );
    expect(problem(h(op(0, "invoke", "read"), op(0, "ok", "write"))).message).toMatch(
      /^h:2: process 0 completes write but invoked read at line 1/,
    );
    expect(problem(h(op(0, "invoke", "read", { key: "a" }), op(0, "ok", "read", { key: "b" }))).message).toMatch(
      /^h:2: process 0 completes on key b but invoked on key a/,
    );
  });

  it("requires times on every op or none", () => {
    expect(problem(h(op(0, "invoke", "read", { time: 1 }), op(0, "ok", "read"))).message).toMatch(
      /^h:2: this op has no time/,
    );
    expect(problem(h(op(0, "invoke", "read"), op(0, "ok", "read", { time: 5 }))).message).toMatch(
      /^h:2: this op has a time but line 1/,
    );
  });
});

describe("pairOps", () => {
  it("pairs each client invoke with its completion, in invocation order, leaving out the nemesis", () => {
    const history = h(
      op(0, "invoke", "write", { value: 1 }),
      op(1, "invoke", "read"),
      op("nemesis", "invoke", "start"),
      op(1, "ok", "read", { value: 1 }),
      op(0, "info", "write", { value: 1 }),
      op("nemesis", "info", "start"),
      op(2, "invoke", "cas", { value: [1, 2] }),
      op(2, "fail", "cas", { value: [1, 2] }),
      op(3, "invoke", "read"),
    );
    const pairs = pairOps(history);
    expect(pairs.map((p) => [p.index, p.invoke.index, p.completion?.index])).toEqual([
      [0, 0, 4],
      [1, 1, 3],
      [2, 6, 7],
      [3, 8, undefined],
    ]);
    expect(pairs.map(outcome)).toEqual(["indeterminate", "ok", "fail", "indeterminate"]);
  });

  it("refuses an unvalidated history with an orphan completion", () => {
    expect(() => pairOps(h(op(0, "ok", "read")))).toThrow(/validate first/);
  });
});
