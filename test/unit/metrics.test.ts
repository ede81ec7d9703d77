import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/checker/checker.js";
import { checkCounter } from "../../src/checker/counter.js";
import { checkSet } from "../../src/checker/set.js";
import type { History, Op, OpType, Process } from "../../src/history/op.js";
import { runMetrics, summarise } from "../../src/metrics/runMetrics.js";
import type { RunResults } from "../../src/runner/checkRun.js";

/** A timed history written op by op; times are given in milliseconds and stored in nanoseconds as the runner does. */
class Timed {
  readonly ops: Op[] = [];
  at(ms: number, process: Process, type: OpType, f: string, key?: string, value?: unknown): this {
    const op: Op = { index: this.ops.length, time: ms * 1e6, process, type, f };
    if (key !== undefined) op.key = key;
    if (value !== undefined) op.value = value;
    this.ops.push(op);
    return this;
  }
}

function results(
  checkers: Array<{ workload: string; checker: string; result: CheckResult }>,
  extra: Partial<RunResults> = {},
): RunResults {
  const valid = checkers.some((c) => c.result.valid === false)
    ? false
    : checkers.some((c) => c.result.valid === "unknown")
      ? "unknown"
      : true;
  return { valid, summary: { lines: [] }, checkers, stats: { ops: 0, checkMs: 0 }, ...extra };
}

describe("runMetrics: counts, availability, latency, throughput", () => {
  // Workload from t=0 to heal at t=2000 ms; the final read after heal is not part of the workload's figures.
  const h = new Timed()
    .at(0, 0, "invoke", "add", "s", 1)
    .at(10, 0, "ok", "add", "s", 1) // 10 ms
    .at(20, 1, "invoke", "add", "s", 2)
    .at(50, 1, "fail", "add", "s", 2)
    .at(100, 0, "invoke", "add", "s", 3)
    .at(130, 0, "ok", "add", "s", 3) // 30 ms
    .at(200, 1, "invoke", "add", "s", 4)
    .at(300, 2, "invoke", "add", "s", 5) // never completes before heal: indeterminate
    .at(400, 0, "invoke", "add", "s", 6)
    .at(500, 0, "ok", "add", "s", 6) // 100 ms
    .at(1200, 1, "info", "add", "s", 4)
    .at(2000, "nemesis", "invoke", "heal")
    .at(2001, "nemesis", "ok", "heal")
    .at(3000, 3, "invoke", "final-read", "s")
    .at(3900, 3, "ok", "final-read", "s", ["1", "3", "5"]);

  it("counts workload ops only and treats ops open at heal as info", () => {
    const set = checkSet(h.ops);
    const m = runMetrics(h.ops, results([{ workload: "set", checker: "set", result: set }]), {});
    expect(m).toMatchObject({ ops: 6, ok: 3, fail: 1, info: 2 });
    expect(m.availability).toBeCloseTo(3 / 6);
    expect(m.durationS).toBeCloseTo(2.0);
    expect(m.throughput).toBeCloseTo(1.5);
    // Nearest rank over [10, 30, 100]: the 900 ms final read is excluded.
    expect(m.latency).toEqual({ p50: 30, p90: 100, p99: 100, max: 100 });
  });

  it("counts acknowledged set elements the final read missed as lost, never the indeterminate ones", () => {
    const set = checkSet(h.ops);
    const m = runMetrics(h.ops, results([{ workload: "set", checker: "set", result: set }]), {});
    // 1 and 3 acknowledged and present; 6 acknowledged and missing; 4 info and missing is not lost; 5 was read.
    expect(m.lost).toEqual({ set: 1 });
    expect(m.lostAcknowledged).toBe(1);
    expect(m.lostIsLowerBound).toBe(false);
    expect(m.valid).toBe(false);
    expect(m.linearizable).toBeNull();
  });
});

describe("runMetrics: elements a read saw that then vanished", () => {
  it("are counted apart: their add was never acknowledged, so they are not lost acknowledged writes", () => {
    // The add's outcome is unknown (WAIT timed out on an isolated primary); a read there returns it; after the
    // failover it is gone. The set checker reports it lost; the metrics keep it out of lostAcknowledged.
    const h = new Timed()
      .at(0, 0, "invoke", "add", "s", 1)
      .at(10, 0, "ok", "add", "s", 1)
      .at(20, 1, "invoke", "add", "s", 2)
      .at(1020, 1, "info", "add", "s", 2)
      .at(1100, 2, "invoke", "read", "s")
      .at(1110, 2, "ok", "read", "s", ["1", "2"])
      .at(2000, "nemesis", "invoke", "heal")
      .at(2001, "nemesis", "ok", "heal")
      .at(3000, 3, "invoke", "final-read", "s")
      .at(3010, 3, "ok", "final-read", "s", ["1"]);
    const set = checkSet(h.ops);
    expect(set.lost.map((l) => [l.element, l.knownBy.how])).toEqual([["2", "read"]]);
    const m = runMetrics(h.ops, results([{ workload: "set", checker: "set", result: set }]), {});
    expect(m.lostAcknowledged).toBe(0);
    expect(m.lost).toEqual({ set: 0 });
    expect(m.lostUnacknowledged).toBe(1);
    expect(m.valid).toBe(false);
  });
});

describe("runMetrics: counter shortfall and verdicts", () => {
  it("a final counter value below the certain lower bound is a shortfall of acknowledged increments", () => {
    const h = new Timed()
      .at(0, 0, "invoke", "add", "c", 5)
      .at(5, 0, "ok", "add", "c", 5)
      .at(10, 0, "invoke", "add", "c", 7)
      .at(15, 0, "ok", "add", "c", 7)
      .at(20, 1, "invoke", "add", "c", 3)
      .at(30, 1, "info", "add", "c", 3)
      .at(100, "nemesis", "invoke", "heal")
      .at(101, "nemesis", "ok", "heal")
      .at(200, 2, "invoke", "final-read", "c")
      .at(210, 2, "ok", "final-read", "c", 8);
    const counter = checkCounter(h.ops);
    expect(counter.final).toMatchObject({ lower: 12, upper: 15 });
    const m = runMetrics(h.ops, results([{ workload: "counter", checker: "counter", result: counter }]), {});
    expect(m.lost).toEqual({ counter: 4 });
    expect(m.lostAcknowledged).toBe(4);
  });

  it("no lost-write workload gives null, and the register verdict is reported as linearizability", () => {
    const h = new Timed().at(0, 0, "invoke", "write", "r", 1).at(3, 0, "ok", "write", "r", 1);
    const m = runMetrics(
      h.ops,
      results([{ workload: "register", checker: "linearizable", result: { valid: "unknown", reason: "timeout" } }]),
      {},
    );
    expect(m.lostAcknowledged).toBeNull();
    expect(m.linearizable).toBe("unknown");
    // Without a heal the workload runs to its last op.
    expect(m.durationS).toBeCloseTo(0.003);
  });

  it("an undecided lost-write checker marks the count as a lower bound", () => {
    const m = runMetrics(
      [],
      results([{ workload: "set", checker: "set", result: { valid: "unknown", lost: [] } }], {
        incomplete: "interrupted",
      }),
      {},
    );
    expect(m.lostAcknowledged).toBe(0);
    expect(m.lostIsLowerBound).toBe(true);
    expect(m.incomplete).toBe("interrupted");
    expect(m.availability).toBeNull();
    expect(m.latency).toBeNull();
    expect(m.throughput).toBeNull();
  });

  it("histories without times still count ops but give no latency or throughput", () => {
    const h: History = [
      { index: 0, process: 0, type: "invoke", f: "add", key: "s", value: 1 },
      { index: 1, process: 0, type: "ok", f: "add", key: "s", value: 1 },
    ];
    const m = runMetrics(h, results([]), {});
    expect(m).toMatchObject({ ops: 1, ok: 1, availability: 1, latency: null, throughput: null, durationS: null });
  });
});

describe("runMetrics: fault windows", () => {
  it("takes the schedule's windows in seconds and clips them to a run cut short", () => {
    const h = new Timed()
      .at(0, 0, "invoke", "add", "s", 1)
      .at(1, 0, "ok", "add", "s", 1)
      .at(15_000, "nemesis", "invoke", "heal");
    const schedule = {
      windows: [
        { fault: "partition", fromMs: 5000, toMs: 10000 },
        { fault: "kill", fromMs: 12000, toMs: 20000 },
        { fault: "pause", fromMs: 16000, toMs: 20000 },
      ],
    };
    const m = runMetrics(h.ops, results([]), { schedule });
    expect(m.faults).toEqual([
      { fault: "partition", fromS: 5, toS: 10 },
      { fault: "kill", fromS: 12, toS: 15 },
    ]);
  });
});

describe("summarise", () => {
  it("uses nearest rank, so every percentile is an observed value", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarise(values)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
    expect(summarise([7])).toEqual({ p50: 7, p90: 7, p99: 7, max: 7 });
    expect(summarise([])).toBeNull();
  });
});
