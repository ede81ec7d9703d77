import { METRICS } from "../compare/distributions.js";
import { ALPHA, distribution, permutationTest } from "../metrics/stats.js";
import type { SuiteRow, SuiteStatus } from "./suite.js";

/**
 * Tonight against an earlier night (`suite --baseline`): which scenarios changed outcome, which figures moved
 * beyond run-to-run noise, which engine versions are new. Pure: both sides come in as suite rows.
 *
 * Noise is judged only where it can be: with several runs of a scenario on each side, the exact permutation test of
 * src/metrics/stats.ts (the one compare and audit use); with one run on a side there is no estimate of the noise,
 * and the trend says so instead of calling any change a movement.
 */

/** The figures a night is compared on, by their names in compare's METRICS. */
export const TREND_FIGURES = ["lossWindowS", "lostFraction", "availabilityTime", "availabilityOps"] as const;
export type TrendFigure = (typeof TREND_FIGURES)[number];

export interface OutcomeChange {
  scenario: string;
  /** The outcomes over the scenario's runs on each side ("matched", or "matched, differs" over repeats). */
  before: string;
  after: string;
}

export interface FigureTrend {
  scenario: string;
  figure: TrendFigure;
  label: string;
  before: string;
  after: string;
  /** true: moved beyond noise; false: within noise; null: no noise estimate (one run on a side). */
  moved: boolean | null;
  note: string;
}

export interface VersionChange {
  scenario: string;
  before: string;
  after: string;
}

export interface Trend {
  /** Where the baseline was read from, and when that night started. */
  source: string;
  startedAt?: string;
  outcomes: OutcomeChange[];
  figures: FigureTrend[];
  versions: VersionChange[];
  /** Scenarios run tonight that the baseline does not have, and the other way round. */
  added: string[];
  removed: string[];
  /** Scenarios on both sides whose outcome stayed the same. */
  unchanged: number;
}

/** Statuses that say something about the database; a skip or an error says something about the machine. */
const DECIDED: readonly SuiteStatus[] = ["matched", "differs", "undecided"];

function outcomeOf(rows: readonly SuiteRow[]): string | undefined {
  const decided = [...new Set(rows.map((r) => r.status).filter((s) => DECIDED.includes(s)))].sort();
  return decided.length ? decided.join(", ") : undefined;
}

function byScenario(rows: readonly SuiteRow[]): Map<string, SuiteRow[]> {
  const out = new Map<string, SuiteRow[]>();
  for (const r of rows) out.set(r.scenario, [...(out.get(r.scenario) ?? []), r]);
  return out;
}

function servers(rows: readonly SuiteRow[]): string | undefined {
  const s = [...new Set(rows.map((r) => r.figures?.server).filter((x): x is string => !!x))].sort();
  return s.length ? s.join(", ") : undefined;
}

const fmtP = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);

function figureTrend(scenario: string, figure: TrendFigure, a: SuiteRow[], b: SuiteRow[]): FigureTrend | undefined {
  const def = METRICS.find((m) => m.name === figure)!;
  const before = distribution(a.map((r) => r.figures?.[figure]));
  const after = distribution(b.map((r) => r.figures?.[figure]));
  if (before.median === null || after.median === null) return undefined;
  const show = (d: typeof before) =>
    d.values.length === 1
      ? def.format(d.median!)
      : `${def.format(d.median!)} [${def.format(d.min!)}–${def.format(d.max!)}]`;
  const base = { scenario, figure, label: def.label, before: show(before), after: show(after) };
  if (before.values.length === 1 || after.values.length === 1) {
    const same = before.median === after.median;
    return {
      ...base,
      moved: null,
      note: `${same ? "unchanged" : "changed"}; one run on ${before.values.length === 1 && after.values.length === 1 ? "each side" : "a side"}: no noise estimate`,
    };
  }
  const t = permutationTest(after.values, before.values);
  if (!t) return { ...base, moved: null, note: "too many runs to test exactly: no noise estimate" };
  if (t.p < ALPHA)
    return {
      ...base,
      moved: true,
      note: `moved ${t.meanDifference > 0 ? "up" : "down"} beyond run-to-run noise (${fmtP(t.p)}, exact permutation test over ${t.nB} and ${t.nA} runs)`,
    };
  const floor = t.minP >= ALPHA ? `; with these run counts no difference could show (min p ${t.minP.toFixed(2)})` : "";
  return { ...base, moved: false, note: `within run-to-run noise (${fmtP(t.p)})${floor}` };
}

export function compareWithBaseline(
  tonight: readonly SuiteRow[],
  baseline: readonly SuiteRow[],
  source: { source: string; startedAt?: string },
): Trend {
  const now = byScenario(tonight);
  const then = byScenario(baseline);
  const trend: Trend = {
    source: source.source,
    ...(source.startedAt ? { startedAt: source.startedAt } : {}),
    outcomes: [],
    figures: [],
    versions: [],
    added: [...now.keys()].filter((s) => !then.has(s)),
    removed: [...then.keys()].filter((s) => !now.has(s)),
    unchanged: 0,
  };
  for (const [scenario, b] of now) {
    const a = then.get(scenario);
    if (!a) continue;
    const before = outcomeOf(a);
    const after = outcomeOf(b);
    if (before !== undefined && after !== undefined) {
      if (before !== after) trend.outcomes.push({ scenario, before, after });
      else trend.unchanged++;
    }
    for (const f of TREND_FIGURES) {
      const t = figureTrend(scenario, f, a, b);
      if (t) trend.figures.push(t);
    }
    const sa = servers(a);
    const sb = servers(b);
    if (sa && sb && sa !== sb) trend.versions.push({ scenario, before: sa, after: sb });
  }
  return trend;
}

/** The trend in sentences, for the terminal and the top of the page. */
export function trendLines(t: Trend): string[] {
  const out = [`against ${t.source}${t.startedAt ? ` (started ${t.startedAt})` : ""}:`];
  if (t.outcomes.length === 0) out.push(`  no scenario changed outcome (${t.unchanged} compared)`);
  for (const o of t.outcomes) out.push(`  OUTCOME CHANGED ${o.scenario}: ${o.before} -> ${o.after}`);
  const moved = t.figures.filter((f) => f.moved === true);
  for (const f of moved) out.push(`  ${f.scenario}: ${f.label} ${f.before} -> ${f.after}, ${f.note}`);
  const unknown = t.figures.filter((f) => f.moved === null && f.before !== f.after);
  for (const f of unknown) out.push(`  ${f.scenario}: ${f.label} ${f.before} -> ${f.after} (${f.note})`);
  if (moved.length === 0 && unknown.length === 0) out.push("  no figure moved");
  for (const v of t.versions) out.push(`  new engine version in ${v.scenario}: ${v.before} -> ${v.after}`);
  if (t.added.length) out.push(`  new scenarios (not in the baseline): ${t.added.join(", ")}`);
  if (t.removed.length) out.push(`  not run tonight (in the baseline): ${t.removed.join(", ")}`);
  return out;
}
