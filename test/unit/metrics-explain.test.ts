import { describe, expect, it } from "vitest";
import { metricLines } from "../../src/metrics/describe.js";
import { explainFault, explainRun, explainSettingsOf, impliedBoundS } from "../../src/metrics/explain.js";
import type { SummaryMetrics } from "../../src/metrics/summary.js";
import type { FaultFigures } from "../../src/metrics/windows.js";

function fault(over: Partial<FaultFigures>): FaultFigures {
  return {
    fault: "partition",
    n: 1,
    fromS: 8,
    toS: 16,
    applyS: 0.5,
    heldS: 7.5,
    acknowledged: 4000,
    lostAcknowledged: 1200,
    lostFraction: 0.3,
    lostFromS: 0,
    lostToS: 5.1,
    lossWindowS: 5.1,
    writeStallS: 0.4,
    stallFromS: 5.1,
    stallToS: 5.5,
    writerBefore: "n1",
    otherWriter: "n2",
    otherWriterFromS: 5.5,
    ...over,
  };
}

describe("which mechanism ended a loss window", () => {
  it("clients following the failover, naming both nodes and times", () => {
    const line = explainFault(fault({}), {})!;
    expect(line).toContain("from +0.0 s to +5.1 s after the cut were lost (1200 of 4000)");
    expect(line).toContain(
      "followed the failover: n2 acknowledged its first write at +5.5 s, 0.4 s after the last lost one",
    );
  });

  it("min-replicas: a window within max-lag + the ack period, well before the failover", () => {
    const line = explainFault(fault({ lostToS: 2.5, lossWindowS: 2.5, otherWriterFromS: 5.5 }), {
      minReplicasToWrite: 1,
      minReplicasMaxLag: 2,
    })!;
    expect(line).toContain("min-replicas-to-write 1 ended it");
    expect(line).toContain("min-replicas-max-lag 2.0 s + the replicas' 1.0 s ack period = 3.0 s, measured +2.5 s");
  });

  it("the fault's end, when the old primary kept acknowledging until the heal", () => {
    const line = explainFault(fault({ lostToS: 7.4, otherWriterFromS: 8.1 }), {})!;
    expect(line).toContain("lasted until the partition ended at +7.5 s");
    expect(line).toContain("clients reached n2 only at +8.1 s");
  });

  it("no mechanism fits: says what was measured and no more", () => {
    const line = explainFault(fault({ lostToS: 2.0, otherWriterFromS: 6 }), {})!;
    expect(line).toContain("neither a failover nor the fault's end (+7.5 s) explains the end");
  });

  it("lost writes acknowledged after the heal completed are not blamed on the fault's end", () => {
    // As measured here: a 2 s partition healed by +3.1 s, Sentinel's failover landing just after, clients still on n1.
    const f = fault({
      heldS: 2.0,
      healedS: 3.1,
      lostFromS: 3.6,
      lostToS: 4.0,
      lossWindowS: 0.4,
      otherWriter: null,
      otherWriterFromS: null,
      workloadEndS: 9,
    });
    const line = explainFault(f, {})!;
    expect(line).not.toContain("lasted until the partition ended");
    expect(line).toContain("acknowledged after the partition was healed (stop begun at +2.0 s, complete at +3.1 s)");
    expect(line).toContain("clients never wrote to another node");
  });

  it("a window still open when the workload stopped is called a lower bound", () => {
    const f = fault({
      heldS: 2.0,
      healedS: 3.1,
      lostFromS: 3.6,
      lostToS: 4.0,
      lossWindowS: 0.4,
      otherWriter: null,
      otherWriterFromS: null,
      workloadEndS: 4.05,
    });
    const line = explainFault(f, {})!;
    expect(line).toContain("still open when the workload stopped at +4.0 s");
    expect(line).toContain("0.4 s is a lower bound");
    expect(line).toContain("after the partition was healed at +3.1 s");
  });

  it("nothing lost: nothing to explain", () => {
    expect(explainFault(fault({ lostFromS: null, lostToS: null, lostAcknowledged: 0 }), {})).toBeNull();
  });
});

describe("what the settings could do", () => {
  const m = (
    faults: FaultFigures[],
  ): Pick<SummaryMetrics, "faults" | "lossWindowS" | "lostAcknowledged" | "writeStallS"> => ({
    faults,
    lossWindowS: Math.max(0, ...faults.map((f) => f.lossWindowS)),
    lostAcknowledged: faults.reduce((s, f) => s + f.lostAcknowledged, 0),
    writeStallS: 1.2,
  });

  it("a max-lag at or above the partition's length cannot stop an isolated primary, naming both", () => {
    const lines = explainRun(m([fault({ heldS: 5 })]), { minReplicasToWrite: 1 });
    expect(lines).toContain(
      "min-replicas-max-lag 10.0 s is at or above the longest time a partition stood (5.0 s): an isolated primary still counts its replicas as fresh for the whole partition, so min-replicas-to-write 1 cannot stop it",
    );
  });

  it("compares the measured window with the bound the settings imply", () => {
    const within = explainRun(m([fault({ lostToS: 2.5 })]), { minReplicasToWrite: 1, minReplicasMaxLag: 2 });
    expect(within.at(-1)).toBe(
      "every lost write was acknowledged by +2.5 s after its cut, within the 3.0 s the settings imply (max-lag 2.0 s + 1.0 s ack period)",
    );
    const beyond = explainRun(m([fault({ lostToS: 5.1 })]), { minReplicasToWrite: 1, minReplicasMaxLag: 2 });
    expect(beyond.at(-1)).toContain("as late as +5.1 s after a cut, beyond the 3.0 s");
    expect(impliedBoundS({ minReplicasToWrite: 1 })).toBe(11);
    expect(impliedBoundS({ minReplicasToWrite: 1, ...explainSettingsOf({ cluster: { db: "dragonfly" } }) })).toBeNull();
    expect(impliedBoundS({ minReplicasToWrite: 1, ...explainSettingsOf({ cluster: { db: "valkey" } }) })).toBe(11);
  });

  it("WAIT: indeterminate writes and stalls instead of acknowledged losses, with the counts", () => {
    const lines = explainRun(m([fault({ lostFromS: null, lostToS: null, lostAcknowledged: 0, lossWindowS: 0 })]), {
      waitReplicas: 1,
      waitTimeoutMs: 1000,
      info: 312,
    });
    expect(lines).toEqual([
      "WAIT 1 (timeout 1000 ms) left 312 write(s) indeterminate instead of acknowledged; the longest stretch without an acknowledged write was 1.2 s, and no acknowledged write was lost",
    ]);
  });

  it("Dragonfly has no min-replicas guard, and says so", () => {
    const dragonfly = explainSettingsOf({ cluster: { db: "dragonfly" } });
    expect(explainRun(m([fault({})]), { minReplicasToWrite: 1, ...dragonfly }).at(-1)).toContain(
      "Dragonfly has no such guard",
    );
    // Without the guard, "min-replicas-to-write is off" is no explanation either.
    expect(explainRun(m([fault({})]), dragonfly).join("\n")).not.toContain("min-replicas-to-write is off");
    expect(explainRun(m([fault({})]), explainSettingsOf({ cluster: { db: "redis" } })).join("\n")).toContain(
      "min-replicas-to-write is off",
    );
  });
});

describe("metricLines", () => {
  it("states loss as a share of acknowledged writes, the windows per fault and the stalls, from the figures", () => {
    const lines = metricLines({
      acknowledged: 4000,
      lostAcknowledged: 1200,
      lostFraction: 0.3,
      lossWindowS: 5.1,
      writeStallS: 1.2,
      availabilityOps: 0.99,
      availabilityTime: 0.87,
      throughput: 500,
      outcomes: { ok: 10, fail: 0, info: 0 },
      lostOutsideFaults: 0,
      lostIsLowerBound: false,
      faults: [fault({}), fault({ n: 2, lostFromS: null, lostToS: null, writeStallS: 0 })],
    });
    expect(lines).toEqual([
      "acknowledged writes lost: 1200 of 4000 (30.00%)",
      "loss window: 5.1 s (acknowledged relative to each fault's cut, then lost: partition 1: +0.0 s to +5.1 s; 1 fault(s) lost none)",
      "longest write stall: 1.2 s (per fault: partition 1: 0.4 s)",
      "availability: 99.0% of ops ok, 87.0% of 100 ms slices with an acknowledged write",
    ]);
  });
});
