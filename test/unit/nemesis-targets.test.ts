import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { SeededRng } from "../../src/core/rng.js";
import { chooseTargets, majoritySize, minoritySize, parseTarget, targetProblem } from "../../src/nemesis/targets.js";

const five = ["n1", "n2", "n3", "n4", "n5"];

describe("target parsing", () => {
  it("knows the named targets and node lists", () => {
    for (const t of ["primary", "replicas", "one", "minority", "majority", "all"]) expect(parseTarget(t)).toBe(t);
    expect(parseTarget("n1, n3,n1")).toEqual({ nodes: ["n1", "n3"] });
  });

  it("rejects text that is neither, as a usage error", () => {
    expect(() => parseTarget("")).toThrow(UsageError);
    expect(() => parseTarget("n1;rm -rf")).toThrow(/not a target/);
  });
});

describe("sizes", () => {
  it("a minority is strictly less than half, a majority strictly more", () => {
    const expected: Array<[number, number, number]> = [
      [1, 0, 1],
      [2, 0, 2],
      [3, 1, 2],
      [4, 1, 3],
      [5, 2, 3],
      [6, 2, 4],
      [7, 3, 4],
    ];
    for (const [n, min, maj] of expected) {
      expect(minoritySize(n)).toBe(min);
      expect(majoritySize(n)).toBe(maj);
      expect(min * 2).toBeLessThan(n);
      expect(maj * 2).toBeGreaterThan(n);
    }
  });
});

describe("choosing targets", () => {
  const rng = () => new SeededRng(7);

  it("primary is whoever the cluster names now, or nobody", () => {
    expect(chooseTargets("primary", five, "n4", rng())).toEqual(["n4"]);
    expect(chooseTargets("primary", five, undefined, rng())).toEqual([]);
    expect(chooseTargets("primary", five, "s1", rng())).toEqual([]);
  });

  it("replicas are every other node, and nobody while no primary is known", () => {
    expect(chooseTargets("replicas", five, "n2", rng())).toEqual(["n1", "n3", "n4", "n5"]);
    expect(chooseTargets("replicas", five, undefined, rng())).toEqual([]);
  });

  it("one, minority, majority have the right sizes, distinct members, node order, for every seed", () => {
    for (let seed = 0; seed < 200; seed++) {
      for (const [spec, size] of [
        ["one", 1],
        ["minority", 2],
        ["majority", 3],
      ] as const) {
        const chosen = chooseTargets(spec, five, "n1", new SeededRng(seed));
        expect(chosen).toHaveLength(size);
        expect(new Set(chosen).size).toBe(size);
        expect(chosen).toEqual(five.filter((n) => chosen.includes(n)));
      }
    }
  });

  it("random choices cover every node over many seeds and repeat exactly for one seed", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 100; seed++)
      seen.add(chooseTargets("one", five, undefined, new SeededRng(seed))[0] as string);
    expect([...seen].sort()).toEqual(five);
    expect(chooseTargets("majority", five, undefined, new SeededRng(3))).toEqual(
      chooseTargets("majority", five, undefined, new SeededRng(3)),
    );
  });

  it("all and explicit lists", () => {
    expect(chooseTargets("all", five, "n1", rng())).toEqual(five);
    expect(chooseTargets({ nodes: ["n5", "n2"] }, five, "n1", rng())).toEqual(["n2", "n5"]);
  });

  it("impossible targets are refused with what to do", () => {
    expect(targetProblem({ nodes: ["n9"] }, five)).toMatch(/no node named n9/);
    expect(targetProblem("minority", ["n1", "n2"])).toMatch(/no minority/);
    expect(targetProblem("replicas", ["n1"])).toMatch(/no replicas/);
    expect(targetProblem("one", [])).toMatch(/no nodes/);
    expect(targetProblem("majority", five)).toBeUndefined();
    expect(() => chooseTargets({ nodes: ["n9"] }, five, "n1", rng())).toThrow(UsageError);
  });
});
