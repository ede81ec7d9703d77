import { describe, expect, it } from "vitest";
import { memoryInUse, SampleBuffer } from "../../src/runner/stats.js";

describe("Docker stats: memory in use", () => {
  it("subtracts the reclaimable inactive file cache, as docker stats does (cgroup v1 and v2 names)", () => {
    expect(memoryInUse({ usage: 8474624, stats: { total_inactive_file: 8192, inactive_file: 8192 } })).toBe(8466432);
    expect(memoryInUse({ usage: 1000, stats: { inactive_file: 300 } })).toBe(700);
    expect(memoryInUse({ usage: 1000 })).toBe(1000);
  });

  it("has no figure when the daemon reports none (a stopped container)", () => {
    expect(memoryInUse({})).toBeUndefined();
    expect(memoryInUse(undefined)).toBeUndefined();
  });
});

describe("bounded samples", () => {
  it("halves the resolution when full, so the whole run stays covered evenly", () => {
    const buffer = new SampleBuffer(8);
    for (let i = 0; i < 25; i++) buffer.push({ atMs: i * 1000, bytes: i });
    const samples = buffer.samples;
    expect(samples.length).toBeLessThanOrEqual(8);
    expect(samples[0]!.atMs).toBe(0);
    // Evenly spaced after halving, and still reaching into the last part of the run.
    const gaps = new Set(samples.slice(1).map((s, i) => s.atMs - samples[i]!.atMs));
    expect([...gaps]).toEqual([4000]);
    expect(samples[samples.length - 1]!.atMs).toBeGreaterThanOrEqual(16_000);
  });
});
