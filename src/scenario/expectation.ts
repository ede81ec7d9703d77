import { type Condition, decidedByLowerBound, describeCondition, holds } from "./condition.js";

/**
 * The figures a scenario can expect something of, how each reads to people, and the judgement of an expectation
 * against what a run observed. Pure: the figures come in as data (see observe.ts).
 */

export type FigureValue = number | boolean | "unknown" | null;

/** What a run measured, by figure name; `lowerBound` lists figures that are only known to be at least their value. */
export interface Observed {
  values: Record<string, FigureValue>;
  lowerBound: string[];
}

interface FigureInfo {
  label: string;
  kind: "count" | "ratio" | "verdict" | "number";
  /** How an observed value reads: "418 lost". */
  phrase: (v: number | boolean | "unknown") => string;
}

const verdictPhrase = (yes: string, no: string) => (v: number | boolean | "unknown") =>
  v === true ? yes : v === false ? no : "undecided";

/** Figures every run yields. Scenario files may add their own from logs and INFO (`observe`). */
export const BUILTIN_FIGURES: Readonly<Record<string, FigureInfo>> = {
  lostAcknowledged: { label: "acknowledged writes lost", kind: "count", phrase: (v) => `${v} lost` },
  lostUnacknowledged: {
    label: "read-witnessed writes lost (unacknowledged)",
    kind: "count",
    phrase: (v) => `${v} seen then lost`,
  },
  acknowledged: { label: "acknowledged ops", kind: "count", phrase: (v) => `${v} ok` },
  failed: { label: "failed ops", kind: "count", phrase: (v) => `${v} failed` },
  indeterminate: { label: "indeterminate ops", kind: "count", phrase: (v) => `${v} indeterminate` },
  availability: {
    label: "availability",
    kind: "ratio",
    phrase: (v) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : String(v)),
  },
  linearizable: { label: "linearizable", kind: "verdict", phrase: verdictPhrase("linearizable", "not linearizable") },
  valid: { label: "valid", kind: "verdict", phrase: verdictPhrase("valid", "anomalies found") },
  peakMemoryMiB: {
    label: "peak node memory (MiB)",
    kind: "number",
    phrase: (v) => `${typeof v === "number" ? v.toFixed(0) : v} MiB`,
  },
};

export function figureInfo(name: string, customLabel?: string): FigureInfo {
  return BUILTIN_FIGURES[name] ?? { label: customLabel ?? name, kind: "number", phrase: (v) => `${v}` };
}

export interface Expectation {
  figure: string;
  condition: Condition;
}

export type Judgement = "met" | "not met" | "undecided";

export interface ConditionResult {
  figure: string;
  /** "acknowledged writes lost > 0" */
  expected: string;
  /** "418 lost", "not measured" */
  observed: string;
  value: FigureValue;
  judgement: Judgement;
  /** Why it is undecided, when it is. */
  why?: string;
}

/** matched: every condition held; differs: at least one did not; undecided: none failed but some could not be judged. */
export type ScenarioOutcome = "matched" | "differs" | "undecided";

export interface Evaluation {
  outcome: ScenarioOutcome;
  conditions: ConditionResult[];
}

export function judge(
  expect: readonly Expectation[],
  observed: Observed,
  labels: Record<string, string> = {},
): Evaluation {
  const conditions = expect.map(({ figure, condition }): ConditionResult => {
    const info = figureInfo(figure, labels[figure]);
    const expected = `${info.label} ${describeCondition(condition)}`;
    const value = observed.values[figure] ?? null;
    if (value === null) {
      return {
        figure,
        expected,
        observed: "not measured",
        value,
        judgement: "undecided",
        why: `the run yielded no ${info.label}`,
      };
    }
    const lower = observed.lowerBound.includes(figure) && typeof value === "number";
    const text = `${lower ? "at least " : ""}${info.phrase(value)}`;
    if (lower && !decidedByLowerBound(condition, value)) {
      return {
        figure,
        expected,
        observed: text,
        value,
        judgement: "undecided",
        why: "the count is a lower bound (a final read did not succeed), so it may be higher",
      };
    }
    return { figure, expected, observed: text, value, judgement: holds(condition, value) };
  });
  const outcome: ScenarioOutcome = conditions.some((c) => c.judgement === "not met")
    ? "differs"
    : conditions.some((c) => c.judgement === "undecided")
      ? "undecided"
      : "matched";
  return { outcome, conditions };
}

/** "expected: acknowledged writes lost > 0; observed: 418 lost", one line per condition. */
export function evaluationLines(e: Evaluation): string[] {
  return e.conditions.map(
    (c) => `expected: ${c.expected}; observed: ${c.observed} -> ${c.judgement}${c.why ? ` (${c.why})` : ""}`,
  );
}
