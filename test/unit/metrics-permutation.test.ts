import { describe, expect, it } from "vitest";
import { binomial, distribution, permutationTest } from "../../src/metrics/stats.js";

describe("exact permutation test (two-sided, difference of means)", () => {
  it("complete separation at 3 vs 3: 2 of the 20 splits are as extreme, p = 0.1, which is also the floor", () => {
    const t = permutationTest([1, 2, 3], [4, 5, 6])!;
    expect(t.splits).toBe(20);
    expect(t.p).toBeCloseTo(0.1);
    expect(t.minP).toBeCloseTo(0.1);
    expect(t.meanDifference).toBe(-3);
  });

  it("unequal sizes: complete separation at 3 vs 2 is 1 of the 10 splits, and the floor says so", () => {
    const t = permutationTest([10, 11, 12], [1, 2])!;
    expect(t.splits).toBe(10);
    expect(t.p).toBeCloseTo(0.1);
    expect(t.minP).toBeCloseTo(0.1);
  });

  it("complete separation at 5 vs 5: p = 2/252", () => {
    const t = permutationTest([10, 11, 12, 13, 14], [1, 2, 3, 4, 5])!;
    expect(t.p).toBeCloseTo(2 / 252);
    expect(t.meanDifference).toBe(9);
  });

  it("2 vs 2: the hand count (splits {1,2}|{3,4} and {3,4}|{1,2} are as extreme as observed) gives 2/6", () => {
    expect(permutationTest([1, 2], [3, 4])!.p).toBeCloseTo(1 / 3);
  });

  it("a known middle case: [1,3] vs [2,4] — |diff| of the 6 splits are 2,1,0,0,1,2; observed 1: 4/6", () => {
    expect(permutationTest([1, 3], [2, 4])!.p).toBeCloseTo(4 / 6);
  });

  it("identical samples give p = 1; ties are handled without float noise", () => {
    expect(permutationTest([0.1, 0.1, 0.1], [0.1, 0.1, 0.1])!.p).toBe(1);
    expect(permutationTest([0.1 + 0.2, 0.3], [0.3, 0.1 + 0.2])!.p).toBe(1);
  });

  it("is symmetric in its arguments", () => {
    const a = [3.2, 5.1, 4.4, 6.0];
    const b = [2.5, 2.9, 3.0];
    expect(permutationTest(a, b)!.p).toBeCloseTo(permutationTest(b, a)!.p);
  });

  it("refuses empty samples and enumerations too large to finish", () => {
    expect(permutationTest([], [1])).toBeNull();
    const big = Array.from({ length: 20 }, (_, i) => i);
    expect(permutationTest(big, big)).toBeNull();
  });

  it("binomial", () => {
    expect([binomial(6, 3), binomial(10, 5), binomial(4, 0), binomial(3, 4)]).toEqual([20, 252, 1, 0]);
  });
});

describe("distribution", () => {
  it("keeps every value and gives median, min and max", () => {
    expect(distribution([3, null, 1, 2, undefined])).toEqual({ median: 2, min: 1, max: 3, values: [3, 1, 2] });
    expect(distribution([4, 1])).toMatchObject({ median: 2.5 });
    expect(distribution([])).toEqual({ median: null, min: null, max: null, values: [] });
  });
});
