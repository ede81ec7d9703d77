import type { RunFigures } from "../metrics/load.js";
import { ALPHA, type Distribution, distribution, permutationTest } from "../metrics/stats.js";
import type { SequencedRun } from "./sequence.js";
import type { Table, Tone } from "./table.js";

/**
 * compare and audit over repeats: per target (or cell) the distribution of each figure over its runs, and for pairs
 * of targets an exact permutation test with a plain verdict. Pure. Repeat r of every target ran the same seed, so
 * the targets faced the same fault schedules; what remains between their runs is the engines' own variability.
 */

export interface MetricDef {
  name: string;
  /** How people call it, in a sentence ("loss window"). */
  label: string;
  get: (f: RunFigures) => number | null | undefined;
  format: (v: number) => string;
}

const sec = (v: number) => `${v.toFixed(1)} s`;
const share = (v: number) => `${(v * 100).toFixed(v < 0.01 && v > 0 ? 2 : 1)}%`;

/** The figures compared, in table order. Throughput is kept apart from safety: it explains counts, not risk. */
export const METRICS: readonly MetricDef[] = [
  { name: "lossWindowS", label: "loss window", get: (f) => f.metrics?.lossWindowS, format: sec },
  { name: "lostFraction", label: "lost fraction", get: (f) => f.metrics?.lostFraction, format: share },
  {
    name: "lostAcknowledged",
    label: "lost acknowledged writes",
    get: (f) => f.lostAcknowledged,
    format: (v) => String(Math.round(v)),
  },
  { name: "writeStallS", label: "longest write stall", get: (f) => f.metrics?.writeStallS, format: sec },
  { name: "availabilityTime", label: "availability in time", get: (f) => f.metrics?.availabilityTime, format: share },
  { name: "availabilityOps", label: "availability in ops", get: (f) => f.availability, format: share },
  { name: "throughput", label: "throughput", get: (f) => f.throughput, format: (v) => `${Math.round(v)} ok/s` },
];

/** The figures differences are tested on: the safety ones and throughput, not the raw count (it mixes the two). */
export const TESTED = ["lossWindowS", "lostFraction", "writeStallS", "availabilityTime", "throughput"] as const;

export interface TargetStats {
  label: string;
  /** Engines and versions the servers reported over this target's runs ("redis 8.0.2"). */
  server: string;
  /** Run directories, in repeat order. */
  runs: string[];
  /** Runs that completed, out of planned. */
  completed: number;
  planned: number;
  metrics: Record<string, Distribution>;
}

export function targetStats(labels: readonly string[], runs: readonly SequencedRun[]): TargetStats[] {
  return labels.map((label) => {
    const mine = runs.filter((r) => r.label === label);
    const done = mine.filter((r) => r.status === "done" && r.figures && !r.figures.incomplete);
    const figs = done.map((r) => r.figures!);
    const servers = [...new Set(figs.map((f) => f.server).filter((s): s is string => !!s))];
    const metrics: Record<string, Distribution> = {};
    for (const m of METRICS) metrics[m.name] = distribution(figs.map(m.get));
    return {
      label,
      server: servers.length ? servers.join(", ") : "version not recorded",
      runs: mine.map((r) => r.runDir).filter((d): d is string => !!d),
      completed: done.length,
      planned: mine.length,
      metrics,
    };
  });
}

export interface Difference {
  a: string;
  b: string;
  metric: string;
  nA: number;
  nB: number;
  medianA: number | null;
  medianB: number | null;
  /** Exact two-sided permutation test on the per-run values; null when a side has no value. */
  test: "exact permutation (difference of means)";
  p: number | null;
  /** The smallest p these run counts can give: below ALPHA only with enough runs. */
  minP: number | null;
  /** "a>b", "a<b" when p < ALPHA, else "none". */
  direction: "a>b" | "a<b" | "none";
  verdict: string;
}

const fmtP = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);

function runsEach(nA: number, nB: number): string {
  return nA === nB ? `${nA} run(s) each` : `${nA} and ${nB} runs`;
}

export function difference(a: TargetStats, b: TargetStats, metric: MetricDef): Difference {
  const da = a.metrics[metric.name]!;
  const db = b.metrics[metric.name]!;
  const base = {
    a: a.label,
    b: b.label,
    metric: metric.name,
    nA: da.values.length,
    nB: db.values.length,
    medianA: da.median,
    medianB: db.median,
    test: "exact permutation (difference of means)" as const,
  };
  const t = permutationTest(da.values, db.values);
  if (!t) {
    return {
      ...base,
      p: null,
      minP: null,
      direction: "none",
      verdict: `${metric.label}: not tested (${a.label} has ${da.values.length} value(s), ${b.label} ${db.values.length})`,
    };
  }
  const medians = `median ${metric.format(da.median!)} vs ${metric.format(db.median!)}`;
  const each = runsEach(t.nA, t.nB);
  if (t.p < ALPHA) {
    const more = t.meanDifference > 0;
    return {
      ...base,
      p: t.p,
      minP: t.minP,
      direction: more ? "a>b" : "a<b",
      verdict: `${a.label}'s ${metric.label} is ${more ? "larger" : "smaller"} than ${b.label}'s (${medians}), ${fmtP(t.p)} over ${each}`,
    };
  }
  const floor =
    t.minP >= ALPHA
      ? `; with ${each} even a complete separation gives p >= ${t.minP.toFixed(2)}, so more runs are needed to show any difference`
      : "";
  return {
    ...base,
    p: t.p,
    minP: t.minP,
    direction: "none",
    verdict: `${metric.label}: no difference shown at ${each} (${medians}, ${fmtP(t.p)})${floor}`,
  };
}

/** Every pair of targets (compare) or every cell against the first (audit), for each tested figure. */
export function differences(targets: readonly TargetStats[], mode: "pairs" | "baseline"): Difference[] {
  const out: Difference[] = [];
  const tested = METRICS.filter((m) => (TESTED as readonly string[]).includes(m.name));
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      if (mode === "baseline" && i > 0) break;
      // An audit cell is read against the baseline; compare's targets in the order given.
      for (const m of tested)
        out.push(
          mode === "baseline" ? difference(targets[j]!, targets[i]!, m) : difference(targets[i]!, targets[j]!, m),
        );
    }
  }
  return out;
}

/** Cells as "median [min–max]" over n runs: never a figure without its spread. */
export function spreadCell(d: Distribution, format: (v: number) => string): string {
  if (d.median === null) return "-";
  if (d.values.length === 1) return format(d.median);
  return `${format(d.median)} [${format(d.min!)}–${format(d.max!)}]`;
}

/** One column per target: the versions that ran, the runs, then every figure as median [min–max]. */
export function statsTable(targets: readonly TargetStats[]): Table {
  return {
    corner: "",
    columns: targets.map((t) => t.label),
    rows: [
      { label: "server (as reported)", cells: targets.map((t) => t.server) },
      {
        label: "runs completed",
        cells: targets.map((t) => `${t.completed}/${t.planned}`),
        tones: targets.map((t): Tone => (t.completed < t.planned ? "warn" : undefined)),
      },
      ...METRICS.map((m) => ({
        label: `${m.label}${targets.some((t) => t.metrics[m.name]!.values.length > 1) ? " (median [min–max])" : ""}`,
        cells: targets.map((t) => spreadCell(t.metrics[m.name]!, m.format)),
        tones: targets.map(
          (t): Tone =>
            m.name === "lossWindowS" || m.name === "lostFraction"
              ? (t.metrics[m.name]!.max ?? 0) > 0
                ? "bad"
                : t.metrics[m.name]!.median === null
                  ? undefined
                  : "good"
              : undefined,
        ),
      })),
    ],
  };
}
