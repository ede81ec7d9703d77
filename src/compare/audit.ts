import type { SequencedRun } from "./sequence.js";
import { formatMs, formatPercent, type Table, type Tone } from "./table.js";

/**
 * An audit's answer: per setting, how many acknowledged writes were lost over its repeats (median and worst) and
 * what the setting cost against the baseline (the first cell: every axis at its first value). Pure. The wording is
 * that of a measurement ("lost none in 3 of 3 runs"), never a proof that a setting is safe.
 */
export interface AuditCell {
  label: string;
  /** Engines and versions the servers reported in this cell's runs ("redis 8.0.2"). */
  server: string;
  runs: number;
  /** Runs that completed with a lost-write count. */
  measured: number;
  lostMedian: number | null;
  lostWorst: number | null;
  /** Some run's count is a lower bound (a checker could not decide). */
  lostLowerBound: boolean;
  availability: number | null;
  p50: number | null;
  p99: number | null;
  throughput: number | null;
  /** Against the baseline cell: latency added (ms) and availability lost (share), from the medians. */
  cost: { p50Ms: number | null; p99Ms: number | null; availability: number | null };
  runDirs: string[];
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

/** Groups runs by cell label (in the order the cells are given) and summarises each. */
export function auditCells(cellLabels: readonly string[], runs: readonly SequencedRun[]): AuditCell[] {
  const cells = cellLabels.map((label): AuditCell => {
    const mine = runs.filter((r) => r.label === label);
    const done = mine.filter((r) => r.status === "done" && r.figures);
    const figs = done.map((r) => r.figures!);
    const counted = figs.filter((f) => f.lostAcknowledged !== null && !f.incomplete);
    const lost = counted.map((f) => f.lostAcknowledged!);
    const pick = (get: (f: (typeof figs)[number]) => number | null | undefined) =>
      median(figs.map(get).filter((v): v is number => typeof v === "number"));
    const servers = [...new Set(figs.map((f) => f.server).filter((v): v is string => !!v))];
    return {
      label,
      server: servers.length ? servers.join(", ") : "-",
      runs: mine.length,
      measured: counted.length,
      lostMedian: median(lost),
      lostWorst: lost.length ? Math.max(...lost) : null,
      lostLowerBound: counted.some((f) => f.lostIsLowerBound),
      availability: pick((f) => f.availability),
      p50: pick((f) => f.latency?.p50),
      p99: pick((f) => f.latency?.p99),
      throughput: pick((f) => f.throughput),
      cost: { p50Ms: null, p99Ms: null, availability: null },
      runDirs: done.map((r) => r.runDir!).filter((d) => d),
    };
  });
  const base = cells[0];
  if (base) {
    for (const c of cells) {
      c.cost = {
        p50Ms: diff(c.p50, base.p50),
        p99Ms: diff(c.p99, base.p99),
        availability: diff(c.availability, base.availability),
      };
    }
  }
  return cells;
}

function signedMs(ms: number | null): string {
  if (ms === null) return "-";
  return `${ms >= 0 ? "+" : "-"}${formatMs(Math.abs(ms))}`;
}

function signedPoints(share: number | null): string {
  if (share === null) return "-";
  const pts = share * 100;
  return `${pts >= 0 ? "+" : "-"}${Math.abs(pts).toFixed(1)} pts`;
}

/** One row per setting; the first row is the baseline the costs are measured against. */
export function auditTable(cells: readonly AuditCell[], repeat: number): Table {
  const lost = (c: AuditCell, v: number | null) =>
    v === null ? "-" : `${Number.isInteger(v) ? v : v.toFixed(1)}${c.lostLowerBound ? "+" : ""}`;
  const lostTone = (c: AuditCell): Tone =>
    c.lostWorst === null ? "warn" : c.lostWorst > 0 ? "bad" : c.lostLowerBound ? "warn" : "good";
  return {
    corner: "setting",
    columns: [
      "server",
      "runs",
      "lost (median)",
      "lost (worst)",
      "availability",
      "p50",
      "p99",
      "p50 cost",
      "p99 cost",
      "availability cost",
    ],
    rows: cells.map((c, i) => ({
      label: i === 0 ? `${c.label} (baseline)` : c.label,
      cells: [
        c.server,
        `${c.measured}/${repeat}`,
        lost(c, c.lostMedian),
        lost(c, c.lostWorst),
        formatPercent(c.availability),
        formatMs(c.p50),
        formatMs(c.p99),
        i === 0 ? "-" : signedMs(c.cost.p50Ms),
        i === 0 ? "-" : signedMs(c.cost.p99Ms),
        i === 0 ? "-" : signedPoints(c.cost.availability),
      ],
      tones: [undefined, c.measured < repeat ? "warn" : undefined, lostTone(c), lostTone(c)],
    })),
  };
}

/**
 * The audit's question answered in sentences, from the measurements alone: which settings lost nothing in every
 * measured run (and what they cost), which lost writes, and which could not be measured.
 */
export function auditConclusion(cells: readonly AuditCell[], repeat: number): string[] {
  const out: string[] = [];
  const clean = cells.filter((c) => c.measured > 0 && c.lostWorst === 0 && !c.lostLowerBound);
  const lossy = cells.filter((c) => c.lostWorst !== null && c.lostWorst > 0);
  const unmeasured = cells.filter((c) => c.measured === 0);
  for (const c of clean) {
    const partial = c.measured < repeat ? ` (only ${c.measured} of ${repeat} runs measured)` : "";
    const cost =
      c === cells[0]
        ? "this is the baseline"
        : `p50 ${signedMs(c.cost.p50Ms)}, p99 ${signedMs(c.cost.p99Ms)}, availability ${signedPoints(c.cost.availability)} vs baseline`;
    out.push(
      `lost no acknowledged write in ${c.measured} of ${c.measured} measured runs${partial}: ${c.label} (${cost}; availability ${formatPercent(c.availability)})`,
    );
  }
  for (const c of lossy) {
    out.push(
      `lost acknowledged writes: ${c.label} (median ${c.lostMedian}, worst ${c.lostWorst} over ${c.measured} run(s))`,
    );
  }
  for (const c of cells.filter((c) => c.measured > 0 && c.lostWorst === 0 && c.lostLowerBound)) {
    out.push(`no loss found but not proven: ${c.label} (a lost-write checker could not decide)`);
  }
  for (const c of unmeasured) out.push(`not measured: ${c.label} (no run completed)`);
  if (clean.length === 0 && cells.length > 0)
    out.unshift("no setting avoided losing acknowledged writes in these runs");
  return out;
}
