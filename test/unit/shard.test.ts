import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/exit.js";
import { canonicalJson, checkShards, parseShard, selectShard, shardManifest } from "../../src/core/shard.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i).padStart(2, "0")}#001`);

function manifests(all: string[], n: number, identity: Record<string, unknown> = { repeat: 1 }) {
  return Array.from({ length: n }, (_, i) => ({
    dir: `/r/shard-${i + 1}`,
    manifest: shardManifest({ kind: "suite", identity, version: "0.1.0", shard: { k: i + 1, n }, allRuns: all }),
  }));
}

describe("--shard k/n", () => {
  it("parses k/n and refuses what is not a shard", () => {
    expect(parseShard("2/4")).toEqual({ k: 2, n: 4 });
    expect(parseShard(" 1 / 1 ")).toEqual({ k: 1, n: 1 });
    for (const bad of ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", ""]) {
      expect(() => parseShard(bad), bad).toThrow(UsageError);
    }
  });

  it("gives every run to exactly one shard, for every n up to more shards than runs", () => {
    for (const runs of [1, 2, 5, 20, 37]) {
      const all = ids(runs);
      for (let n = 1; n <= runs + 2; n++) {
        const parts = Array.from({ length: n }, (_, i) => selectShard(all, (x) => x, { k: i + 1, n }));
        const flat = parts.flat().sort();
        expect(flat).toEqual([...all].sort());
        // Round-robin: the shards' sizes differ by at most one.
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("does not depend on the order the runs were listed in (--only b,a is --only a,b)", () => {
    const all = ids(9);
    const shuffled = [all[4]!, all[8]!, all[0]!, all[2]!, all[7]!, all[1]!, all[6]!, all[3]!, all[5]!];
    for (let k = 1; k <= 3; k++) {
      expect(selectShard(shuffled, (x) => x, { k, n: 3 })).toEqual(selectShard(all, (x) => x, { k, n: 3 }));
    }
    const a = shardManifest({
      kind: "suite",
      identity: { b: 1, a: [2] },
      version: "1",
      shard: { k: 1, n: 2 },
      allRuns: shuffled,
    });
    const b = shardManifest({
      kind: "suite",
      identity: { a: [2], b: 1 },
      version: "1",
      shard: { k: 1, n: 2 },
      allRuns: all,
    });
    expect(a.plan).toBe(b.plan);
    expect(a.runs).toEqual(b.runs);
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it("refuses a repeated run id in one plan", () => {
    expect(() => selectShard(["a", "a"], (x) => x, { k: 1, n: 1 })).toThrow(/twice/);
  });
});

describe("checking shards before a merge", () => {
  it("accepts the n parts of one plan, in any order, and returns them in shard order", () => {
    const parts = manifests(ids(7), 3);
    const out = checkShards([parts[2]!, parts[0]!, parts[1]!]);
    expect(out.map((m) => m.shard.k)).toEqual([1, 2, 3]);
    expect(out.flatMap((m) => m.runs).sort()).toEqual(ids(7));
  });

  it("names the missing shard", () => {
    const parts = manifests(ids(7), 3);
    expect(() => checkShards([parts[0]!, parts[2]!])).toThrow(/missing shard\(s\) 2\/3/);
  });

  it("names a shard given twice", () => {
    const parts = manifests(ids(7), 3);
    expect(() => checkShards([parts[0]!, parts[1]!, parts[2]!, { ...parts[1]!, dir: "/elsewhere" }])).toThrow(
      /shard 2\/3 is given twice \(\/r\/shard-2, \/elsewhere\)/,
    );
  });

  it("names the differing field of two plans", () => {
    const a = manifests(ids(4), 2, { repeat: 1, definitions: { x: "aa" } });
    const b = manifests(ids(4), 2, { repeat: 1, definitions: { x: "bb" } });
    expect(() => checkShards([a[0]!, b[1]!])).toThrow(/not the same plan: definitions differs/);
    const c = manifests(ids(5), 2);
    expect(() => checkShards([manifests(ids(4), 2)[0]!, c[1]!])).toThrow(/runs differs/);
    const d = manifests(ids(4), 3);
    expect(() => checkShards([a[0]!, d[1]!])).toThrow(/n differs \(2 vs 3\)/);
    const v = manifests(ids(4), 2);
    v[1]!.manifest.version = "0.2.0";
    expect(() => checkShards(v)).toThrow(/different splitbrain versions \(0.1.0 vs 0.2.0\)/);
  });

  it("names runs held twice or by no shard (a hand-edited or corrupted manifest)", () => {
    const parts = manifests(ids(4), 2);
    parts[1]!.manifest.runs = [...parts[1]!.manifest.runs, parts[0]!.manifest.runs[0]!];
    expect(() => checkShards(parts)).toThrow(/overlapping runs: s00#001 in shards 1 and 2/);
    const gap = manifests(ids(4), 2);
    gap[1]!.manifest.runs = gap[1]!.manifest.runs.slice(1);
    expect(() => checkShards(gap)).toThrow(/missing run\(s\): s01#001/);
  });
});
