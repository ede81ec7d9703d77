import { describe, expect, it } from "vitest";
import type { History } from "../../src/history/op.js";
import type { SummaryMetrics } from "../../src/metrics/summary.js";
import { metricProperties } from "../../src/report/junit.js";
import { lossWindowMarks } from "../../src/report/render.js";
import type { RunResults } from "../../src/runner/checkRun.js";

const metrics: SummaryMetrics = {
  acknowledged: 200,
  lostAcknowledged: 20,
  lostFraction: 0.1,
  lossWindowS: 2.5,
  writeStallS: 1.5,
  availabilityOps: 0.98,
  availabilityTime: 0.9,
  throughput: 100,
  outcomes: { ok: 196, fail: 4, info: 0 },
  lostOutsideFaults: 0,
  lostIsLowerBound: false,
  faults: [
    {
      fault: "partition",
      n: 1,
      fromS: 8,
      toS: 16,
      applyS: 1,
      heldS: 7,
      acknowledged: 100,
      lostAcknowledged: 20,
      lostFraction: 0.2,
      lostFromS: -0.2,
      lostToS: 2.3,
      lossWindowS: 2.5,
      writeStallS: 1.5,
      stallFromS: 2.3,
      stallToS: 3.8,
      writerBefore: "n1",
      otherWriter: "n2",
      otherWriterFromS: 3.8,
    },
  ],
};

describe("summary.metrics in JUnit and on the report's timeline", () => {
  it("JUnit properties carry the metrics by their JSON names and each fault's window", () => {
    const results: RunResults = {
      valid: false,
      summary: { lines: [], metrics },
      checkers: [],
      stats: { ops: 0, checkMs: 0 },
    };
    const props = new Map(metricProperties(results));
    expect(props.get("metrics.lossWindowS")).toBe("2.5");
    expect(props.get("metrics.lostFraction")).toBe("0.1");
    expect(props.get("metrics.availabilityTime")).toBe("0.9");
    expect(props.get("metrics.lossWindow.partition-1")).toBe("-0.2s..+2.3s");
    expect(metricProperties({ ...results, summary: ["old"] as unknown as RunResults["summary"] })).toEqual([]);
  });

  it("the loss window is placed on the run's clock from the recorded cut", () => {
    // The start was invoked at 9 s and completed at 10 s: relative times count from 10 s.
    const history: History = [
      { index: 0, time: 9e9, process: "nemesis", type: "invoke", f: "start-partition" },
      { index: 1, time: 10e9, process: "nemesis", type: "ok", f: "start-partition" },
      { index: 2, time: 17e9, process: "nemesis", type: "invoke", f: "stop-partition" },
      { index: 3, time: 17.1e9, process: "nemesis", type: "ok", f: "stop-partition" },
    ];
    const [mark] = lossWindowMarks(metrics, history);
    expect(mark!.from).toBeCloseTo(9.8e9);
    expect(mark!.to).toBeCloseTo(12.3e9);
    expect(mark!.label).toBe(
      "partition 1: 20 write(s) acknowledged from -0.2 s to +2.3 s after the cut was in place were lost",
    );
  });
});
