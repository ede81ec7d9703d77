import { describe, expect, it } from "vitest";
import { checkSet, type SetResult } from "../../src/checker/set.js";
import type { History, Op, OpType, Process } from "../../src/history/op.js";
import { lostInvocations, summaryMetrics } from "../../src/metrics/summary.js";
import { coveredShare, recordedFaults, stalls, windowFigures } from "../../src/metrics/windows.js";
import type { RunResults } from "../../src/runner/checkRun.js";

/** A timed history; times in seconds, stored in ns as the runner does. */
class H {
  readonly ops: Op[] = [];
  private nextProcess = 0;
  op(s: number, process: Process, type: OpType, f: string, extra: Partial<Op> = {}): this {
    this.ops.push({ index: this.ops.length, time: Math.round(s * 1e9), process, type, f, ...extra });
    return this;
  }
  /** An add invoked at `s` and completed 10 ms later with `outcome`, served by `node`; returns its invocation index. */
  add(s: number, element: number, node: string, outcome: OpType = "ok"): number {
    const p = this.nextProcess++ % 4;
    const i = this.ops.length;
    this.op(s, p, "invoke", "add", { key: "s", value: element });
    this.op(s + 0.01, p, outcome, "add", { key: "s", value: element, node });
    return i;
  }
  fault(from: number, to: number, name = "partition"): this {
    return this.op(from, "nemesis", "invoke", `start-${name}`)
      .op(from + 0.01, "nemesis", "ok", `start-${name}`)
      .op(to, "nemesis", "invoke", `stop-${name}`)
      .op(to + 0.01, "nemesis", "ok", `stop-${name}`);
  }
  heal(s: number): this {
    return this.op(s, "nemesis", "invoke", "heal").op(s + 0.01, "nemesis", "ok", "heal");
  }
  finalRead(s: number, elements: number[]): this {
    return this.op(s, 9, "invoke", "final-read", { key: "s" }).op(s + 0.01, 9, "ok", "final-read", {
      key: "s",
      value: elements.map(String),
    });
  }
}

function sorted(ops: Op[]): History {
  return [...ops].sort((a, b) => a.time! - b.time! || a.index - b.index).map((op, index) => ({ ...op, index }));
}

function setResults(history: History): RunResults {
  const set = checkSet(history);
  return {
    valid: set.valid,
    summary: { lines: [] },
    checkers: [{ workload: "set", checker: "set", result: set }],
    stats: { ops: history.length, checkMs: 0 },
  };
}

/**
 * Two partitions of the primary. Writes every 0.5 s. In the first (5 s to 10 s) the old primary n1 acknowledges
 * writes at +0.2, +1.0 and +2.9 s that are lost; clients reach the new primary n2 from +3.5 s. In the second
 * (13 s to 17 s) n2 acknowledges +0.1 and +1.0 s, both lost, and n3 takes over at +2.0 s. One info write during
 * the first partition never shows up, and one add that only a read saw vanishes: neither is an acknowledged loss.
 */
function twoFaults(): { history: History; lost: number[] } {
  const h = new H();
  const survivors: number[] = [];
  let e = 0;
  for (let t = 0; t < 5; t += 0.5) survivors.push(e), h.add(t, e++, "n1");
  h.fault(5, 10);
  const lost: number[] = [];
  for (const dt of [0.2, 1.0, 2.9]) lost.push(e), h.add(5 + dt, e++, "n1");
  h.add(6.5, e++, "n1", "info");
  for (let t = 8.5; t < 13; t += 0.5) survivors.push(e), h.add(t, e++, "n2");
  h.fault(13, 17);
  for (const dt of [0.1, 1.0]) lost.push(e), h.add(13 + dt, e++, "n2");
  for (let t = 15; t < 20; t += 0.5) survivors.push(e), h.add(t, e++, "n3");
  h.heal(20);
  h.finalRead(25, survivors);
  return { history: sorted(h.ops), lost };
}

describe("loss windows, from the acknowledgement times of lost acknowledged writes", () => {
  const { history, lost } = twoFaults();
  const results = setResults(history);
  const m = summaryMetrics(history, results, {});

  it("finds exactly the lost acknowledged writes, never the info one", () => {
    expect(lostInvocations(history, results)).toHaveLength(lost.length);
    expect(m.lostAcknowledged).toBe(5);
    // 10 before, 3 lost, 9 on n2, 2 lost, 10 on n3; the info add is not acknowledged.
    expect(m.acknowledged).toBe(34);
    expect(m.lostFraction).toBeCloseTo(5 / 34);
  });

  it("gives each fault its window relative to the fault's start, and the run the largest", () => {
    expect(m.faults.map((f) => [f.fault, f.n, f.lostAcknowledged, f.lostFromS, f.lostToS, f.lossWindowS])).toEqual([
      ["partition", 1, 3, 0.2, 2.9, 2.7],
      ["partition", 2, 2, 0.1, 1.0, 0.9],
    ]);
    expect(m.lossWindowS).toBe(2.7);
    expect(m.lostOutsideFaults).toBe(0);
  });

  it("fault times are seconds since the workload began, as recorded; relative times count from the cut's completion", () => {
    expect(m.faults.map((f) => [f.fromS, f.toS, f.applyS, f.heldS])).toEqual([
      [5, 10.01, 0.01, 4.99],
      [13, 17.01, 0.01, 3.99],
    ]);
  });

  it("per-fault lost fraction uses the writes acknowledged while that fault owned the time", () => {
    // Fault 1 owns 4.5 s to 12.5 s: the add at 4.5 s, three lost ones, and n2's adds at 8.5 .. 12.0 s (8).
    expect(m.faults[0]!.acknowledged).toBe(1 + 3 + 8);
    expect(m.faults[0]!.lostFraction).toBeCloseTo(3 / 12);
    // Fault 2 owns 12.5 s on: the add at 12.5 s, the two lost ones, and n3's ten.
    expect(m.faults[1]!.acknowledged).toBe(1 + 2 + 10);
  });

  it("names who acknowledged writes before each fault and when another node first did", () => {
    expect(m.faults.map((f) => [f.writerBefore, f.otherWriter, f.otherWriterFromS])).toEqual([
      ["n1", "n2", 3.5],
      ["n2", "n3", 2.0],
    ]);
  });

  it("measures stalls of acknowledged writes overall and per fault", () => {
    // The info write at 6.5 s acknowledges nothing, so fault 1's longest stall runs from 6.01 s to 7.91 s (1.9 s);
    // fault 2's from 14.01 s to 15.01 s (1.0 s).
    expect(m.faults[0]!.writeStallS).toBeCloseTo(1.9);
    expect(m.faults[0]!.stallFromS).toBeCloseTo(1.0);
    expect(m.faults[1]!.writeStallS).toBeCloseTo(1.0);
    expect(m.writeStallS).toBeCloseTo(1.9);
  });

  it("availability in time counts 100 ms slices holding an acknowledged write", () => {
    const acks = history.filter((op) => op.type === "ok" && op.f === "add").length;
    // Every ack lands in its own slice; 20 s of workload = 200 slices (first invocation at 0, heal at 20 s).
    expect(m.availabilityTime).toBeCloseTo(acks / 200);
    expect(m.availabilityOps).toBeCloseTo(acks / (acks + 1));
  });
});

describe("no loss", () => {
  it("reports a zero window, not null, when a losable workload lost nothing", () => {
    const h = new H();
    const all: number[] = [];
    for (let i = 0; i < 10; i++) all.push(i), h.add(i * 0.5, i, "n1");
    h.fault(1, 3).heal(5).finalRead(6, all);
    const history = sorted(h.ops);
    const m = summaryMetrics(history, setResults(history), {});
    expect(m).toMatchObject({ lostAcknowledged: 0, lostFraction: 0, lossWindowS: 0, lostOutsideFaults: 0 });
    expect(m.faults).toHaveLength(1);
    expect(m.faults[0]).toMatchObject({ lostAcknowledged: 0, lostFromS: null, lostToS: null, lossWindowS: 0 });
  });

  it("has no loss window at all when no workload can lose writes", () => {
    const h = new H()
      .op(0, 0, "invoke", "write", { key: "r", value: 1 })
      .op(0.1, 0, "ok", "write", { key: "r", value: 1 })
      .heal(1);
    const w = windowFigures({ history: sorted(h.ops), lostInvocations: [], losable: false });
    expect(w.lossWindowS).toBeNull();
    expect(w.writeStallS).toBeCloseTo(0.9);
  });
});

describe("info writes are never counted", () => {
  it("an info add whose element a read returned and then lost has no acknowledgement time", () => {
    const h = new H();
    h.add(0, 1, "n1");
    h.fault(0.5, 3);
    h.add(1, 2, "n1", "info");
    h.op(1.5, 3, "invoke", "read", { key: "s" }).op(1.51, 3, "ok", "read", { key: "s", value: ["1", "2"] });
    h.heal(4).finalRead(5, [1]);
    const history = sorted(h.ops);
    const results = setResults(history);
    expect((results.checkers[0]!.result as SetResult).lost).toHaveLength(1);
    const m = summaryMetrics(history, results, {});
    expect(m.lostAcknowledged).toBe(0);
    expect(m.lossWindowS).toBe(0);
    expect(m.faults[0]!.lostFromS).toBeNull();
  });

  it("passing an info write's invocation as lost does not give it a time", () => {
    const h = new H();
    const i = h.add(1, 1, "n1", "info");
    h.heal(2);
    const w = windowFigures({ history: sorted(h.ops), lostInvocations: [i], losable: true });
    expect(w.lostWithTimes).toBe(0);
    expect(w.lossWindowS).toBe(0);
  });
});

describe("lost writes acknowledged just before a fault", () => {
  it("belong to it (replication lag), with a negative start", () => {
    const h = new H();
    const lost = [h.add(4.7, 1, "n1"), h.add(5.5, 2, "n1")];
    h.fault(5, 8).heal(10);
    const w = windowFigures({
      history: sorted(h.ops),
      lostInvocations: lost.map((i) =>
        sorted(h.ops).findIndex((o) => o.time === h.ops[i]!.time && o.type === "invoke"),
      ),
      losable: true,
    });
    expect(w.faults[0]).toMatchObject({ lostAcknowledged: 2, lostFromS: -0.3, lostToS: 0.5, lossWindowS: 0.8 });
  });

  it("lost writes before the first fault's lead belong to none", () => {
    const h = new H();
    const i = h.add(1, 1, "n1");
    h.fault(5, 8).heal(10);
    const w = windowFigures({ history: sorted(h.ops), lostInvocations: [i], losable: true });
    expect(w.lostOutsideFaults).toBe(1);
    expect(w.faults[0]!.lostAcknowledged).toBe(0);
  });
});

describe("building blocks", () => {
  it("recordedFaults closes a fault left open at the heal, and ignores failed starts", () => {
    const h = new H().op(1, "nemesis", "invoke", "start-kill").op(1.1, "nemesis", "fail", "start-kill");
    h.op(2, "nemesis", "invoke", "start-pause").op(2.1, "nemesis", "ok", "start-pause").heal(6);
    expect(recordedFaults(sorted(h.ops))).toEqual([{ fault: "pause", fromS: 2, appliedS: 2.1, stopS: 6, toS: 6 }]);
  });

  it("stalls include the edges; coveredShare counts slices", () => {
    expect(stalls([1, 1.5, 4], 0, 5)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 1.5 },
      { from: 1.5, to: 4 },
      { from: 4, to: 5 },
    ]);
    expect(stalls([], 0, 2)).toEqual([{ from: 0, to: 2 }]);
    expect(coveredShare([0.05, 0.06, 0.15, 0.95], 0, 1)).toBeCloseTo(3 / 10);
    expect(coveredShare([], 0, 0)).toBeNull();
  });
});
