import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { SeededRng } from "../../src/core/rng.js";
import {
  completeGrudge,
  componentsOf,
  computeGrudge,
  describeGrudge,
  type Grudge,
  type GrudgeShape,
  grudgeProblem,
  nodesCutFromClients,
  parseGrudgeSpec,
  reachable,
} from "../../src/nemesis/grudge.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

function isSymmetric(g: Grudge): boolean {
  return Object.entries(g).every(([a, peers]) => peers.every((b) => (g[b] ?? []).includes(a)));
}

describe("grudge shapes", () => {
  it("isolate-primary cuts the primary from everyone, both ways", () => {
    const g = computeGrudge("isolate-primary", ["n1", "n2", "n3", "s1"], "n2", new SeededRng(1));
    expect(g).toEqual({ n2: ["n1", "n3", "s1"], n1: ["n2"], n3: ["n2"], s1: ["n2"] });
    expect(componentsOf(g as Grudge, ["n1", "n2", "n3", "s1"])).toEqual([["n1", "n3", "s1"], ["n2"]]);
  });

  it("isolate-primary without a primary cuts nothing rather than guessing", () => {
    expect(computeGrudge("isolate-primary", names(3), undefined, new SeededRng(1))).toBeUndefined();
  });

  it("one isolates a single random node", () => {
    for (let seed = 0; seed < 50; seed++) {
      const g = computeGrudge("one", names(5), undefined, new SeededRng(seed)) as Grudge;
      const comps = componentsOf(g, names(5));
      expect(comps.map((c) => c.length)).toEqual([4, 1]);
      expect(isSymmetric(g)).toBe(true);
    }
  });

  it("halves splits into a smaller and a larger side (or equal), at random", () => {
    const firstSides = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      for (const n of [2, 3, 4, 5, 6, 7]) {
        const g = computeGrudge("halves", names(n), undefined, new SeededRng(seed)) as Grudge;
        const sizes = componentsOf(g, names(n)).map((c) => c.length);
        expect(sizes).toEqual([Math.ceil(n / 2), Math.floor(n / 2)]);
        expect(isSymmetric(g)).toBe(true);
        if (n === 5) firstSides.add(componentsOf(g, names(5))[1]?.join(",") ?? "");
      }
    }
    expect(firstSides.size).toBeGreaterThan(3);
  });

  it("bridge keeps one node seeing both sides, which cannot see each other", () => {
    for (const n of [3, 4, 5, 7]) {
      for (let seed = 0; seed < 30; seed++) {
        const nodes = names(n);
        const g = computeGrudge("bridge", nodes, undefined, new SeededRng(seed)) as Grudge;
        const links = reachable(g, nodes);
        const bridges = nodes.filter((x) => (g[x] ?? []).length === 0);
        expect(bridges).toHaveLength(1);
        const bridge = bridges[0] as string;
        expect(links[bridge]).toHaveLength(n - 1);
        // Without the bridge the rest falls into exactly two sides.
        const rest = nodes.filter((x) => x !== bridge);
        const sides = componentsOf(g, rest);
        expect(sides).toHaveLength(2);
        expect(sides.map((c) => c.length).sort()).toEqual([Math.floor((n - 1) / 2), Math.ceil((n - 1) / 2)].sort());
        expect(isSymmetric(g)).toBe(true);
      }
    }
  });

  it("majorities-ring: every node sees a majority (itself included), no two see the same one", () => {
    for (const n of [4, 5, 6, 7, 9]) {
      for (let seed = 0; seed < 30; seed++) {
        const nodes = names(n);
        const g = computeGrudge("majorities-ring", nodes, undefined, new SeededRng(seed)) as Grudge;
        expect(isSymmetric(g)).toBe(true);
        const links = reachable(g, nodes);
        const views = nodes.map((x) => [x, ...(links[x] ?? [])].sort().join(","));
        for (const v of views) expect(v.split(",").length * 2).toBeGreaterThan(n);
        expect(new Set(views).size).toBe(n);
        // Nobody sees everyone: it is a real partition.
        for (const x of nodes) expect((g[x] ?? []).length).toBeGreaterThan(0);
      }
    }
  });

  it("shapes that cannot exist for a cluster size are refused up front", () => {
    expect(grudgeProblem("majorities-ring", names(3))).toMatch(/at least 4/);
    expect(grudgeProblem("bridge", names(2))).toMatch(/at least 3/);
    expect(grudgeProblem("halves", names(1))).toMatch(/at least 2/);
    expect(grudgeProblem("halves", names(2))).toBeUndefined();
    expect(() => computeGrudge("majorities-ring", names(3), "n1", new SeededRng(1))).toThrow(UsageError);
  });

  it("the same seed gives the same grudge", () => {
    const shapes: GrudgeShape[] = ["one", "halves", "bridge", "majorities-ring"];
    for (const s of shapes) {
      expect(computeGrudge(s, names(5), "n1", new SeededRng(9))).toEqual(
        computeGrudge(s, names(5), "n1", new SeededRng(9)),
      );
    }
  });
});

describe("explicit grudges", () => {
  it("parses node:peers clauses, merging repeats", () => {
    expect(parseGrudgeSpec("n1:n2,n3;n2:n1")).toEqual({ explicit: { n1: ["n2", "n3"], n2: ["n1"] } });
    expect(parseGrudgeSpec(" n1:n2 ; n1:n3 ;")).toEqual({ explicit: { n1: ["n2", "n3"] } });
    expect(parseGrudgeSpec("halves")).toBe("halves");
  });

  it("rejects malformed text and self-grudges with a usage error", () => {
    for (const bad of ["nonsense", "n1:", ":n2", "n1:n2:n3", "n1:n1"])
      expect(() => parseGrudgeSpec(bad)).toThrow(UsageError);
  });

  it("is checked against the cluster's node names and applied as given (one-sided too)", () => {
    const spec = parseGrudgeSpec("n1:n2;n4:n1");
    expect(grudgeProblem(spec, names(3))).toMatch(/no node named n4/);
    const g = computeGrudge(parseGrudgeSpec("n1:n2"), names(3), undefined, new SeededRng(1)) as Grudge;
    expect(g).toEqual({ n1: ["n2"] });
    // One-sided over TCP still separates the pair: replies never get through.
    expect(reachable(g, names(3))).toEqual({ n1: ["n3"], n2: ["n3"], n3: ["n1", "n2"] });
  });
});

describe("clients under --partition-clients", () => {
  it("the runner stays with the largest group; isolated nodes lose it", () => {
    const g = completeGrudge([["n1"], ["n2", "n3", "s1"]]);
    expect(nodesCutFromClients(g, ["n1", "n2", "n3", "s1"], new SeededRng(1))).toEqual(["n1"]);
  });

  it("a tie is broken by the rng, cutting exactly one side", () => {
    const g = completeGrudge([
      ["n1", "n2"],
      ["n3", "n4"],
    ]);
    const cuts = new Set<string>();
    for (let seed = 0; seed < 20; seed++) cuts.add(nodesCutFromClients(g, names(4), new SeededRng(seed)).join(","));
    expect([...cuts].sort()).toEqual(["n1,n2", "n3,n4"]);
  });

  it("connected shapes (bridge, ring) cut no client", () => {
    const g = computeGrudge("bridge", names(5), undefined, new SeededRng(2)) as Grudge;
    expect(nodesCutFromClients(g, names(5), new SeededRng(2))).toEqual([]);
  });
});

describe("descriptions", () => {
  it("reads like the grudge", () => {
    expect(describeGrudge({ n10: ["n1"], n2: ["n1"], n1: ["n10", "n2"] })).toBe(
      "n1 drops n10,n2; n2 drops n1; n10 drops n1",
    );
    expect(describeGrudge({})).toBe("no grudge");
  });
});
