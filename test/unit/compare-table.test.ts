import { describe, expect, it } from "vitest";
import { renderPage } from "../../src/compare/html.js";
import type { SequencedRun } from "../../src/compare/sequence.js";
import { sequenceExitCode } from "../../src/compare/session.js";
import { compareTable, formatLost, renderText } from "../../src/compare/table.js";
import type { RunFigures } from "../../src/metrics/load.js";

function figures(over: Partial<RunFigures> = {}): RunFigures {
  return {
    ops: 1000,
    ok: 900,
    fail: 60,
    info: 40,
    availability: 0.9,
    latency: { p50: 1.25, p90: 3, p99: 12.4, max: 900 },
    throughput: 90,
    lostAcknowledged: 0,
    lost: { set: 0 },
    lostIsLowerBound: false,
    lostUnacknowledged: 0,
    linearizable: null,
    valid: true,
    durationS: 10,
    faults: [{ fault: "partition", fromS: 2, toS: 4 }],
    memoryPeak: { n1: 8 * 2 ** 20, n2: 7.5 * 2 ** 20 },
    ...over,
  };
}

const runs: SequencedRun[] = [
  {
    label: "appendfsync=always",
    status: "done",
    runDir: "/r/compare-x/20260101T000000Z-redis-sentinel-aaaa",
    figures: figures(),
  },
  {
    label: "appendfsync=everysec",
    status: "done",
    runDir: "/r/compare-x/20260101T000100Z-redis-sentinel-bbbb",
    figures: figures({
      lostUnacknowledged: 4,
      lostAcknowledged: 312,
      lost: { set: 300, counter: 12 },
      valid: false,
      availability: 0.75,
      latency: { p50: 0.8, p90: 2, p99: 40, max: 1000 },
      memoryPeak: { n1: 9 * 2 ** 20 },
    }),
  },
  { label: "wait=2", status: "error", error: "no node image" },
];

describe("compare table", () => {
  const table = compareTable(runs);
  const row = (label: string) => table.rows.find((r) => r.label === label)!;

  it("puts one column per target and the measurements in rows", () => {
    expect(table.columns).toEqual(["appendfsync=always", "appendfsync=everysec", "wait=2"]);
    expect(row("lost acknowledged writes").cells).toEqual(["0", "312 (set 300, counter 12)", "-"]);
    expect(row("lost acknowledged writes").tones).toEqual(["good", "bad", undefined]);
    expect(row("lost, never acknowledged (read, then gone)").cells).toEqual(["0", "4", "-"]);
    expect(row("availability (ok / completed)").cells).toEqual(["90.0%", "75.0%", "-"]);
    expect(row("latency p50").cells).toEqual(["1.3 ms", "0.8 ms", "-"]);
    expect(row("latency p99").cells).toEqual(["12 ms", "40 ms", "-"]);
    expect(row("throughput").cells).toEqual(["90 ok/s", "90 ok/s", "-"]);
    expect(row("run").cells).toEqual(["completed", "completed", "error: no node image"]);
    expect(row("verdict").cells).toEqual(["valid", "anomalies", "-"]);
  });

  it("has a memory row per node any run sampled, blank where a run has none", () => {
    expect(row("memory peak n1").cells).toEqual(["8.0 MiB", "9.0 MiB", "-"]);
    expect(row("memory peak n2").cells).toEqual(["7.5 MiB", "-", "-"]);
  });

  it("marks a count a checker could not decide as a lower bound", () => {
    expect(formatLost({ lostAcknowledged: 3, lost: { set: 3 }, lostIsLowerBound: true })).toBe("3+");
    expect(formatLost({ lostAcknowledged: null, lost: {}, lostIsLowerBound: false })).toBe("-");
  });

  it("renders aligned text, with colour applied after measuring widths", () => {
    const text = renderText(table);
    const lines = text.split("\n");
    const lost = lines.find((l) => l.startsWith("lost acknowledged writes"))!;
    const avail = lines.find((l) => l.startsWith("availability"))!;
    // Columns line up: the second column starts at the same offset on every line, header included.
    expect(lost.indexOf("312")).toBe(lines[0]!.indexOf("appendfsync=everysec"));
    expect(avail.indexOf("75.0%")).toBe(lines[0]!.indexOf("appendfsync=everysec"));
    expect(lines[1]).toMatch(/^-+ {2}-+ {2}-+ {2}-+$/);
    const painted = renderText(table, (tone, s) => (tone === "bad" ? `<${s}>` : s));
    expect(painted).toContain("<312 (set 300, counter 12)");
  });

  it("renders a self-contained page: escaped text, links to each run, no scripts or remote resources", () => {
    const html = renderPage({
      title: "compare <a & b>",
      lead: ["appendfsync=everysec: 312 acknowledged write(s) lost"],
      table: compareTable(runs, (r) => (r.runDir ? `${r.runDir.split("/").pop()}/report.html` : undefined)),
      plan: [["faults", "partition (isolate-primary)"]],
    });
    expect(html).toContain("compare &lt;a &amp; b&gt;");
    expect(html).toContain(
      '<a href="20260101T000100Z-redis-sentinel-bbbb/report.html">20260101T000100Z-redis-sentinel-bbbb</a>',
    );
    expect(html).toContain('<td class="bad">312 (set 300, counter 12)</td>');
    expect(html).not.toMatch(/<script|https?:\/\/|<link /);
  });
});

describe("sequence exit code", () => {
  it("is 0 when every run completed, 2 when any did not, 1 for anomalies only when asked", () => {
    const done = runs.slice(0, 2);
    expect(sequenceExitCode(done, false)).toBe(0);
    expect(sequenceExitCode(done, true)).toBe(1);
    expect(sequenceExitCode(runs, false)).toBe(2);
    expect(
      sequenceExitCode([{ label: "x", status: "done", figures: figures({ incomplete: "interrupted" }) }], false),
    ).toBe(2);
  });
});
