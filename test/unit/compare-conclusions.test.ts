import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { conclude, conclusionsHtml, conclusionsText } from "../../src/compare/conclusions.js";
import {
  difference,
  differences,
  METRICS,
  spreadCell,
  statsTable,
  targetStats,
} from "../../src/compare/distributions.js";
import { renderPage } from "../../src/compare/html.js";
import { optionSpecs } from "../../src/compare/options.js";
import type { SequencedRun } from "../../src/compare/sequence.js";
import { renderText } from "../../src/compare/table.js";
import { matrixCells, parseMatrixAxis, withoutInert } from "../../src/compare/targets.js";
import type { RunFigures } from "../../src/metrics/load.js";
import type { SummaryMetrics } from "../../src/metrics/summary.js";
import type { FaultFigures } from "../../src/metrics/windows.js";
import { addRunOptions } from "../../src/runner/plan.js";

function fault(lostToS: number | null, otherWriterFromS: number): FaultFigures {
  return {
    fault: "partition",
    n: 1,
    fromS: 5,
    toS: 13,
    applyS: 0.2,
    heldS: 7.8,
    acknowledged: 1000,
    lostAcknowledged: lostToS === null ? 0 : 100,
    lostFraction: lostToS === null ? 0 : 0.1,
    lostFromS: lostToS === null ? null : 0,
    lostToS,
    lossWindowS: lostToS ?? 0,
    writeStallS: 0.5,
    stallFromS: 0,
    stallToS: 0.5,
    writerBefore: "n1",
    otherWriter: "n2",
    otherWriterFromS,
  };
}

function run(label: string, repeat: number, server: string, window: number | null, throughput: number): SequencedRun {
  const metrics: SummaryMetrics = {
    acknowledged: 1000,
    lostAcknowledged: window === null ? 0 : 100,
    lostFraction: window === null ? 0 : 0.1,
    lossWindowS: window ?? 0,
    writeStallS: 0.5,
    availabilityOps: 0.99,
    availabilityTime: 0.9,
    throughput,
    outcomes: { ok: 1000, fail: 0, info: 0 },
    lostOutsideFaults: 0,
    lostIsLowerBound: false,
    faults: [fault(window, (window ?? 0) + 0.3)],
  };
  const figures: RunFigures = {
    ops: 1000,
    ok: 1000,
    fail: 0,
    info: 0,
    availability: 0.99,
    latency: null,
    throughput,
    lostAcknowledged: metrics.lostAcknowledged,
    lost: {},
    lostIsLowerBound: false,
    lostUnacknowledged: 0,
    linearizable: null,
    valid: window === null,
    durationS: 15,
    faults: [],
    memoryPeak: {},
    metrics,
    server,
  };
  return { label, repeat, status: "done", runDir: `/out/${label}-${repeat}`, figures };
}

// Redis loses for 4.0–4.4 s, Valkey for 1.0–1.4 s, in 5 runs each: completely separated, so p = 2/252.
const A = [4.0, 4.1, 4.2, 4.3, 4.4];
const B = [1.0, 1.1, 1.2, 1.3, 1.4];
const runs = [
  ...A.map((w, i) => run("redis", i + 1, "redis 8.0.2", w, 500 + i)),
  ...B.map((w, i) => run("valkey", i + 1, "valkey 8.1.1", w, 502 - i)),
];

describe("distributions over repeats", () => {
  const targets = targetStats(["redis", "valkey"], runs);

  it("keep every run's value with median, min and max, the run directories and the versions", () => {
    expect(targets[0]!.metrics.lossWindowS).toEqual({ median: 4.2, min: 4.0, max: 4.4, values: A });
    expect(targets[0]!.runs).toEqual(["/out/redis-1", "/out/redis-2", "/out/redis-3", "/out/redis-4", "/out/redis-5"]);
    expect(targets.map((t) => [t.server, t.completed, t.planned])).toEqual([
      ["redis 8.0.2", 5, 5],
      ["valkey 8.1.1", 5, 5],
    ]);
    expect(METRICS.map((m) => m.name)).toEqual(
      expect.arrayContaining(["lossWindowS", "lostFraction", "writeStallS", "availabilityTime", "throughput"]),
    );
  });

  it("shows a separated difference with its p-value and run counts, and calls overlapping throughput noise", () => {
    const lw = difference(targets[0]!, targets[1]!, METRICS.find((m) => m.name === "lossWindowS")!);
    expect(lw.p).toBeCloseTo(2 / 252);
    expect(lw.verdict).toBe(
      "redis's loss window is larger than valkey's (median 4.2 s vs 1.2 s), p = 0.008 over 5 run(s) each",
    );
    const tp = difference(targets[0]!, targets[1]!, METRICS.find((m) => m.name === "throughput")!);
    expect(tp.direction).toBe("none");
    // Means 502 vs 500 over overlapping values: 32 of the 252 splits are as far apart.
    expect(tp.p).toBeCloseTo(32 / 252);
    expect(tp.verdict).toBe("throughput: no difference shown at 5 run(s) each (median 502 ok/s vs 500 ok/s, p = 0.13)");
  });

  it("at 3 runs each says that no exact test can reach 0.05, instead of calling it a difference", () => {
    const three = targetStats(
      ["redis", "valkey"],
      runs.filter((r) => (r.repeat ?? 1) <= 3),
    );
    const d = difference(three[0]!, three[1]!, METRICS[0]!);
    expect(d.p).toBeCloseTo(0.1);
    expect(d.direction).toBe("none");
    expect(d.verdict).toContain("with 3 run(s) each even a complete separation gives p >= 0.10");
  });

  it("pairs every two targets for compare, and each cell against the first for audit", () => {
    const three = targetStats(
      ["a", "b", "c"],
      [run("a", 1, "x", 1, 1), run("b", 1, "x", 1, 1), run("c", 1, "x", 1, 1)],
    );
    const pairs = new Set(differences(three, "pairs").map((d) => `${d.a}-${d.b}`));
    expect([...pairs]).toEqual(["a-b", "a-c", "b-c"]);
    expect([...new Set(differences(three, "baseline").map((d) => `${d.a}-${d.b}`))]).toEqual(["b-a", "c-a"]);
  });

  it("never gives a figure without its spread when there are several runs", () => {
    expect(spreadCell({ median: 2, min: 1, max: 3, values: [1, 2, 3] }, (v) => `${v} s`)).toBe("2 s [1 s–3 s]");
    expect(spreadCell({ median: 2, min: 2, max: 2, values: [2] }, (v) => `${v} s`)).toBe("2 s");
    const text = renderText(statsTable(targets));
    expect(text).toContain("redis 8.0.2");
    expect(text).toContain("4.2 s [4.0 s–4.4 s]");
  });
});

describe("conclusions: why, and the page", () => {
  const c = conclude(["redis", "valkey"], runs, () => undefined, "pairs");

  it("names the mechanism that ended the windows over all faults, with the figures", () => {
    expect(c.why[0]).toBe(
      "redis: 5 of 5 fault(s) over 5 run(s) lost acknowledged writes; the last lost write was acknowledged +4.0 s to +4.4 s after the cut; the window ended because clients followed the failover in 5",
    );
  });

  it("renders distributions, verdicts, strip plots and small multiples into one self-contained page", () => {
    const parts = conclusionsHtml(c, runs);
    const html = renderPage({ title: "t", lead: [], table: { corner: "", columns: [], rows: [] }, plan: [], ...parts });
    expect(html).toContain("valkey 8.1.1");
    expect(html).toContain("p = 0.008");
    expect((html.match(/<circle /g) ?? []).length).toBe(4 * 10);
    expect((html.match(/<figure class="run">/g) ?? []).length).toBe(10);
    expect(html).not.toMatch(/<script|src=|href="https?:/);
    expect(conclusionsText(c, (_t, s) => s)).toContain("redis's loss window is larger than valkey's");
  });
});

describe("audit matrix: settings that do not apply", () => {
  const specs = optionSpecs(addRunOptions(new Command("t")));

  it("drops max-lag where min-replicas-to-write is off, so the default question is three cells", () => {
    expect(withoutInert(["min-replicas-to-write=0", "min-replicas-max-lag=10"])).toEqual(["min-replicas-to-write=0"]);
    expect(withoutInert(["min-replicas-to-write=1", "min-replicas-max-lag=2"])).toEqual([
      "min-replicas-to-write=1",
      "min-replicas-max-lag=2",
    ]);
    const cells = matrixCells(
      ["min-replicas-to-write=0,1", "min-replicas-max-lag=10,2"].map((m) => parseMatrixAxis(m, specs)),
      specs,
    );
    expect(cells.map((c) => c.label)).toEqual([
      "min-replicas-to-write=0",
      "min-replicas-to-write=1 min-replicas-max-lag=10",
      "min-replicas-to-write=1 min-replicas-max-lag=2",
    ]);
  });
});
