/**
 * The statistics compare and audit need to say whether two settings differ beyond run-to-run noise, with a handful
 * of runs each: a distribution summary that keeps every value, and an exact two-sided permutation test on the
 * difference of means. Exact, because with 3 to 10 runs per side every split of the pooled values can be
 * enumerated, and an asymptotic test would claim a precision those samples do not have. Pure.
 */

export interface Distribution {
  median: number | null;
  min: number | null;
  max: number | null;
  /** Every run's value, in run order (runs without the figure are left out). */
  values: number[];
}

export function distribution(values: readonly (number | null | undefined)[]): Distribution {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length === 0) return { median: null, min: null, max: null, values: [] };
  return { median: medianOf(v), min: Math.min(...v), max: Math.max(...v), values: v };
}

export function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface PermutationTest {
  /** Two-sided p-value: the share of the splits of the pooled values whose mean difference is at least as extreme. */
  p: number;
  /**
   * The smallest p these sample sizes can ever give, when every value differs: 2 / C(n+m, n) for equal sizes (the
   * mirror split is as extreme), 1 / C(n+m, n) otherwise.
   */
  minP: number;
  /** Number of splits enumerated (all of them). */
  splits: number;
  nA: number;
  nB: number;
  /** mean(a) - mean(b). */
  meanDifference: number;
}

/** Enumerating more splits than this would stall a terminal; beyond it the test refuses rather than samples. */
export const MAX_SPLITS = 2_000_000;

/** Relative tolerance for "at least as extreme": float sums of the same values in another order differ by ulps. */
const TOLERANCE = 1e-9;

export function permutationTest(a: readonly number[], b: readonly number[]): PermutationTest | null {
  const nA = a.length;
  const nB = b.length;
  if (nA === 0 || nB === 0) return null;
  const splits = binomial(nA + nB, nA);
  if (splits > MAX_SPLITS) return null;
  const pooled = [...a, ...b];
  const total = pooled.reduce((s, x) => s + x, 0);
  const sumA = a.reduce((s, x) => s + x, 0);
  const stat = (sa: number) => Math.abs(sa / nA - (total - sa) / nB);
  const observed = stat(sumA);
  const slack = TOLERANCE * Math.max(1, Math.abs(observed), ...pooled.map(Math.abs));
  let extreme = 0;
  // Every nA-subset of the pooled indices, by a recursive walk carrying its running sum.
  const walk = (start: number, left: number, sum: number) => {
    if (left === 0) {
      if (stat(sum) >= observed - slack) extreme++;
      return;
    }
    for (let i = start; i <= pooled.length - left; i++) walk(i + 1, left - 1, sum + pooled[i]!);
  };
  walk(0, nA, 0);
  return {
    p: extreme / splits,
    minP: Math.min(1, (nA === nB ? 2 : 1) / splits),
    splits,
    nA,
    nB,
    meanDifference: sumA / nA - (total - sumA) / nB,
  };
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) r = (r * (n - Math.min(k, n - k) + i)) / i;
  return Math.round(r);
}

/** The conventional threshold; the verdicts print the p-value itself, so readers can apply their own. */
export const ALPHA = 0.05;
