import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PAGE_ROWS } from "../../src/checker/view.js";
import type { History } from "../../src/history/op.js";
import { downsample, latencyChart, POINT_BUDGET, type Point } from "../../src/report/charts.js";
import { loadRunData } from "../../src/report/runData.js";
import { buildTimeline } from "../../src/report/timeline.js";
import { writeReport } from "../../src/report/write.js";
import { HistoryBuilder, partitionArgs, testRecord, writeRunDir } from "./report-fixture.js";

/** A deterministic pseudo-random stream, so the generated run is the same every time. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * 100k set adds from 10 processes over 60 s with a partition from 20 s to 40 s: 2% of adds fail, 1% are info, and
 * 5,000 of the adds acknowledged during the partition are missing from the final read.
 */
function bigHistory(adds = 100_000, maxLost = 5000): History {
  const rnd = lcg(7);
  const h = new HistoryBuilder();
  const present: string[] = [];
  let lost = 0;
  for (let i = 0; i < adds; i++) {
    const t = (i / adds) * 60_000;
    if (i === adds / 3)
      h.add(t, "nemesis", "invoke", "start-partition").add(t + 1, "nemesis", "ok", "start-partition", {
        value: { grudge: { n1: ["n2", "n3"], n2: ["n1"], n3: ["n1"] } },
      });
    if (i === (2 * adds) / 3)
      h.add(t, "nemesis", "invoke", "stop-partition").add(t + 1, "nemesis", "ok", "stop-partition");
    const p = i % 10;
    const key = `set:{${Math.floor(i / 1000)}}`;
    const r = rnd();
    const latency = 0.2 + rnd() * rnd() * 50;
    h.add(t, p, "invoke", "add", { key, value: i });
    if (r < 0.02) h.add(t + latency, p, "fail", "add", { key, value: i, error: "READONLY" });
    else if (r < 0.03) h.add(t + 1000, p, "info", "add", { key, value: i, error: "timeout" });
    else {
      h.add(t + latency, p, "ok", "add", { key, value: i, node: t < 30_000 ? "n1" : "n2" });
      if (t > 20_000 && t < 40_000 && lost < maxLost) lost++;
      else present.push(String(i));
    }
  }
  // Processes that went info never issue again; the final reads use fresh process ids.
  // Every set gets a final read, including sets whose every element was lost.
  const byKey = new Map<string, string[]>(Array.from({ length: adds / 1000 }, (_, k) => [`set:{${k}}`, []]));
  for (const e of present) {
    const k = `set:{${Math.floor(Number(e) / 1000)}}`;
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  let proc = 50_000;
  for (const [key, elements] of byKey) {
    h.add(61_000, proc, "invoke", "final-read", { key }).add(61_010, proc, "ok", "final-read", {
      key,
      value: elements,
    });
    proc++;
  }
  return h.ops;
}

describe("report at 100k ops", () => {
  it("stays under 10 MB, draws at most the point budget and reaches every lost element", async () => {
    // Info ops in the generator reuse process ids; renumber so every process has one op in flight.
    const history = bigHistory();
    const fixed = renumberAfterInfo(history);
    const run = await writeRunDir(testRecord(partitionArgs), fixed);
    const lostN = (run.results.checkers[0]!.result as unknown as { lost: unknown[] }).lost.length;
    expect(lostN).toBe(5000);
    const t0 = performance.now();
    const path = await writeReport(run.dir);
    const ms = performance.now() - t0;
    const bytes = statSync(path).size;
    expect(bytes).toBeLessThan(10 * 1024 * 1024);
    expect(ms).toBeLessThan(30_000);
    const html = readFileSync(path, "utf8");
    // The first PAGE_ROWS in the page, every one in the evidence file it links.
    expect(html.match(/<tr><td>set:\{\d+\}<td>\d+<td>/g)).toHaveLength(PAGE_ROWS);
    expect(html).toContain('<a href="evidence/set-set.json">');
    const evidence = JSON.parse(readFileSync(join(run.dir, "evidence/set-set.json"), "utf8")) as { lost: unknown[] };
    expect(evidence.lost).toHaveLength(5000);
    const t = buildTimeline((await loadRunData(run.dir)).history);
    const chart = latencyChart(t);
    expect(chart.total).toBeGreaterThan(100_000);
    expect(chart.drawn).toBeLessThanOrEqual(POINT_BUDGET);
    console.log(
      `100k-op report: ${(bytes / 1e6).toFixed(2)} MB in ${Math.round(ms)} ms; ${chart.drawn} of ${chart.total} latency points drawn`,
    );
  }, 120_000);
});

describe("a huge run's files stay bounded", () => {
  it("300k adds, 60k of them lost: results.json <= 2 MB and report.html <= 5 MB, every lost element in the linked evidence file", async () => {
    const run = await writeRunDir(testRecord(partitionArgs), renumberAfterInfo(bigHistory(300_000, 60_000)));
    expect(statSync(join(run.dir, "results.json")).size).toBeLessThanOrEqual(2 * 1024 * 1024);
    const path = await writeReport(run.dir);
    const bytes = statSync(path).size;
    expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    const html = readFileSync(path, "utf8");
    expect(html).toMatch(/The first 2,000 rows of 60,000/);
    expect(html).toContain('<a href="evidence/set-set.json">');
    const evidence = JSON.parse(readFileSync(join(run.dir, "evidence/set-set.json"), "utf8")) as { lost: unknown[] };
    expect(evidence.lost).toHaveLength(60_000);
    console.log(
      `300k-op report: ${(bytes / 1e6).toFixed(2)} MB, results.json ${statSync(join(run.dir, "results.json")).size} bytes`,
    );
  }, 300_000);
});

function renumberAfterInfo(history: History): History {
  const next = new Map<number, number>();
  let fresh = 100;
  const current = (p: number) => next.get(p) ?? p;
  return history.map((op) => {
    if (op.process === "nemesis" || op.f === "final-read") return op;
    const p = current(op.process);
    const out = { ...op, process: p };
    if (op.type === "info") next.set(op.process, fresh++);
    return out;
  });
}

describe("downsample", () => {
  const pts = (n: number, outcome: Point["outcome"], seed = 1): Point[] => {
    const rnd = lcg(seed);
    return Array.from({ length: n }, () => ({ x: rnd() * 1000, y: rnd() * 300, outcome }));
  };

  it("keeps everything under the budget, merging only identical pixels", () => {
    const same: Point[] = [
      { x: 10, y: 10, outcome: "ok" },
      { x: 10.4, y: 10.3, outcome: "ok" },
      { x: 10, y: 10, outcome: "fail" },
    ];
    expect(downsample(same, 100)).toHaveLength(2);
    const few = pts(500, "ok");
    expect(downsample(few, 1000).length).toBe(
      new Set(few.map((p) => `${Math.round(p.x / 2)}:${Math.round(p.y / 2)}`)).size,
    );
  });

  it("never exceeds the budget and thins ok first, keeping every fail and info point when they fit", () => {
    const cloud = [...pts(200_000, "ok"), ...pts(300, "fail", 2), ...pts(40, "info", 3)];
    const kept = downsample(cloud, 20_000);
    expect(kept.length).toBeLessThanOrEqual(20_000);
    expect(kept.filter((p) => p.outcome === "fail")).toHaveLength(
      new Set(pts(300, "fail", 2).map((p) => `${Math.round(p.x / 2)}:${Math.round(p.y / 2)}`)).size,
    );
    expect(kept.filter((p) => p.outcome === "info")).toHaveLength(40);
    expect(kept.filter((p) => p.outcome === "ok").length).toBeGreaterThan(15_000);
  });

  it("keeps every outcome class visible even when rare classes alone exceed the budget", () => {
    const cloud = [...pts(100_000, "fail"), ...pts(3, "info"), ...pts(100_000, "ok")];
    const kept = downsample(cloud, 1000);
    expect(kept.length).toBeLessThanOrEqual(1000);
    for (const k of ["ok", "fail", "info"] as const) expect(kept.some((p) => p.outcome === k)).toBe(true);
  });
});
