import { describe, expect, it } from "vitest";
import { auditCells, auditConclusion, auditTable, median } from "../../src/compare/audit.js";
import type { SequencedRun } from "../../src/compare/sequence.js";
import { renderText } from "../../src/compare/table.js";
import type { RunFigures } from "../../src/metrics/load.js";

function run(
  label: string,
  repeat: number,
  lost: number | null,
  p50: number,
  p99: number,
  availability: number,
  over: Partial<RunFigures> = {},
): SequencedRun {
  return {
    label,
    repeat,
    status: "done",
    runDir: `/out/${label.replace(/\W+/g, "_")}-${repeat}`,
    figures: {
      ops: 100,
      ok: 90,
      fail: 5,
      info: 5,
      availability,
      latency: { p50, p90: p99, p99, max: p99 },
      throughput: 100,
      lostAcknowledged: lost,
      lost: lost === null ? {} : { set: lost },
      lostIsLowerBound: false,
      lostUnacknowledged: 0,
      linearizable: null,
      valid: lost ? false : true,
      durationS: 10,
      faults: [],
      memoryPeak: {},
      server: "redis 7.0.15",
      ...over,
    },
  };
}

const BASE = "wait=0 min-replicas-to-write=0";
const SAFE = "wait=2 min-replicas-to-write=1";
const HALF = "wait=1 min-replicas-to-write=0";
const labels = [BASE, HALF, SAFE];
const runs: SequencedRun[] = [
  run(BASE, 1, 900, 1, 5, 0.95),
  run(HALF, 1, 0, 2, 30, 0.9),
  run(SAFE, 1, 0, 2.5, 1000, 0.6),
  run(BASE, 2, 1200, 1, 7, 0.97),
  run(HALF, 2, 40, 2, 25, 0.9),
  run(SAFE, 2, 0, 3, 1002, 0.62),
  run(BASE, 3, 700, 3, 9, 0.93),
  run(HALF, 3, 0, 4, 20, 0.9),
  run(SAFE, 3, 0, 3.5, 1004, 0.58),
];

describe("audit aggregation", () => {
  const cells = auditCells(labels, runs);

  it("takes median and worst lost writes over the repeats of each cell", () => {
    expect(cells.map((c) => [c.label, c.measured, c.lostMedian, c.lostWorst])).toEqual([
      [BASE, 3, 900, 1200],
      [HALF, 3, 0, 40],
      [SAFE, 3, 0, 0],
    ]);
  });

  it("measures costs from medians against the first cell", () => {
    expect(cells[2]!.p99).toBe(1002);
    expect(cells[2]!.cost.p99Ms).toBe(1002 - 7);
    expect(cells[2]!.cost.p50Ms).toBe(3 - 1);
    expect(cells[2]!.cost.availability).toBeCloseTo(0.6 - 0.95);
    expect(cells[0]!.cost).toEqual({ p50Ms: 0, p99Ms: 0, availability: 0 });
  });

  it("tabulates per setting, marking the baseline and the costs", () => {
    const text = renderText(auditTable(cells, 3));
    const safe = text.split("\n").find((l) => l.startsWith(SAFE))!;
    expect(text).toContain(`${BASE} (baseline)`);
    expect(safe.split(/\s{2,}/)).toEqual([
      SAFE,
      "redis 7.0.15",
      "3/3",
      "0",
      "0",
      "60.0%",
      "3.0 ms",
      "1002 ms",
      "+2.0 ms",
      "+995 ms",
      "-35.0 pts",
    ]);
  });

  it("answers the question from the measurements: only the setting that lost nothing in every run is named safe", () => {
    const lines = auditConclusion(cells, 3);
    expect(lines[0]).toBe(
      `lost no acknowledged write in 3 of 3 measured runs: ${SAFE} (p50 +2.0 ms, p99 +995 ms, availability -35.0 pts vs baseline; availability 60.0%)`,
    );
    expect(lines).toContain(`lost acknowledged writes: ${BASE} (median 900, worst 1200 over 3 run(s))`);
    expect(lines).toContain(`lost acknowledged writes: ${HALF} (median 0, worst 40 over 3 run(s))`);
  });

  it("leaves incomplete and failed runs out of the counts and says when nothing was measured", () => {
    const partial = [
      run(BASE, 1, 10, 1, 2, 0.9),
      run(SAFE, 1, 0, 1, 2, 0.9, { incomplete: "interrupted during the workload" }),
      { label: SAFE, repeat: 2, status: "skipped" as const, error: "interrupted" },
    ];
    const c = auditCells([BASE, SAFE], partial);
    expect(c[1]).toMatchObject({ runs: 2, measured: 0, lostMedian: null, lostWorst: null });
    const lines = auditConclusion(c, 2);
    expect(lines[0]).toBe("no setting avoided losing acknowledged writes in these runs");
    expect(lines).toContain(`not measured: ${SAFE} (no run completed)`);
    expect(auditTable(c, 2).rows[1]!.cells.slice(1, 4)).toEqual(["0/2", "-", "-"]);
  });

  it("does not call a cell safe when a checker could not decide", () => {
    const c = auditCells([BASE], [run(BASE, 1, 0, 1, 2, 0.9, { lostIsLowerBound: true })]);
    expect(auditConclusion(c, 1)).toEqual([
      "no setting avoided losing acknowledged writes in these runs",
      `no loss found but not proven: ${BASE} (a lost-write checker could not decide)`,
    ]);
  });
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});
