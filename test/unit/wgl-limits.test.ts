import { describe, expect, it } from "vitest";
import { checkLinearizable } from "../../src/checker/linearizable/index.js";
import { UsageError } from "../../src/core/exit.js";
import type { History } from "../../src/history/op.js";
import { registerModel } from "../../src/models/index.js";
import { indexed, injectStaleRead, simulatedHistory } from "../support/histories.js";
import { seededRng } from "../support/rng.js";

/** A clock that moves `step` milliseconds every time it is read: time limits trip deterministically. */
function tickingClock(step = 1): () => number {
  let t = 0;
  return () => (t += step);
}

const hard = (seed: number, keys?: number, ops = 400): History =>
  injectStaleRead(
    simulatedHistory("register", seededRng(seed), { processes: 8, ops, infoRate: 0.1, ...(keys ? { keys } : {}) }),
    "register",
  );

describe("limits give 'unknown' with a reason, never a crash", () => {
  it("a timeout", async () => {
    const r = await checkLinearizable(hard(4), registerModel, { workers: 1, timeoutMs: 3, now: tickingClock() });
    expect(r.valid).toBe("unknown");
    expect(r.reason).toMatch(
      /timed out after 0\.0 s with 1 partition\(s\) undecided \(the history: \d+ ops\); raise --timeout/,
    );
    expect(r.stats.undecided).toEqual([{ key: null, ops: expect.any(Number), limit: "timeout" }]);
    expect(r.anomalies).toEqual([]);
  });

  it("a cap on cache entries", async () => {
    const r = await checkLinearizable(hard(4), registerModel, { workers: 1, maxCacheEntries: 50 });
    expect(r.valid).toBe("unknown");
    expect(r.reason).toContain("cache reached its cap of 50 entries on 1 partition(s)");
    expect(r.stats.undecided[0]!.limit).toBe("cache");
  });

  it("an invalid partition outweighs an undecided one", async () => {
    const undecidedKey = hard(4).map((op) => ({ ...op, key: "slow" }));
    const quick: History = [
      { index: 0, process: 500, type: "invoke", f: "read", key: "bad", time: 0 },
      { index: 1, process: 500, type: "ok", f: "read", key: "bad", value: 7, time: 1 },
    ];
    const r = await checkLinearizable(indexed([...quick, ...undecidedKey]), registerModel, {
      workers: 1,
      maxCacheEntries: 50,
    });
    expect(r.valid).toBe(false);
    expect(r.partitions).toBe(2);
    expect(r.anomalies.map((a) => a.key)).toEqual(["bad"]);
    expect(r.stats.undecided.map((u) => u.key)).toEqual(["slow"]);
  });

  it("stops at the first illegal partition when asked, on one thread and on several", async () => {
    const h = hard(11, 3, 1500);
    const all = await checkLinearizable(h, registerModel, { workers: 1 });
    expect(all.anomalies.length).toBeGreaterThan(0);
    for (const workers of [1, 2]) {
      const first = await checkLinearizable(h, registerModel, {
        workers,
        stopAtFirstIllegal: true,
        sliceTicks: 1,
      });
      expect(first.valid).toBe(false);
      expect(first.anomalies).toHaveLength(1);
      expect(all.anomalies).toContainEqual(first.anomalies[0]);
      const left = first.partitions - first.anomalies.length;
      expect(first.stats.undecided.filter((u) => u.limit === "stopped").length).toBeLessThanOrEqual(left);
      expect(first.stats.undecided.every((u) => u.limit === "stopped")).toBe(true);
    }
  });

  it("rejects nonsense limits as usage errors", async () => {
    await expect(checkLinearizable([], registerModel, { timeoutMs: 0 })).rejects.toBeInstanceOf(UsageError);
    await expect(checkLinearizable([], registerModel, { workers: 0 })).rejects.toBeInstanceOf(UsageError);
  });
});

describe("partitions that outlast their slice move to worker threads", () => {
  it("with the same verdicts and counterexamples as one thread", async () => {
    const h = hard(11, 3, 1500);
    const one = await checkLinearizable(h, registerModel, { workers: 1 });
    // A one-step slice makes every partition overrun it on this thread at once.
    const two = await checkLinearizable(h, registerModel, { workers: 2, sliceTicks: 1 });
    expect(two.stats.workers).toBe(2);
    expect(one.valid).toBe(false);
    expect(two.valid).toBe(one.valid);
    expect(two.anomalies).toEqual(one.anomalies);
  });
});

describe("history shapes", () => {
  it("ignores nemesis ops and pairs by process", async () => {
    const h: History = [
      { index: 0, process: "nemesis", type: "info", f: "partition", value: "majority" },
      { index: 1, process: 0, type: "invoke", f: "write", value: 1 },
      { index: 2, process: "nemesis", type: "info", f: "partition", value: "done" },
      { index: 3, process: 0, type: "ok", f: "write", value: 1 },
      { index: 4, process: 1, type: "invoke", f: "read" },
      { index: 5, process: 1, type: "ok", f: "read", value: "1" },
    ];
    const r = await checkLinearizable(h, registerModel);
    expect(r).toMatchObject({ valid: true, ops: 2, partitions: 1, model: "register" });
  });

  it("says which op is malformed", async () => {
    const orphan: History = [{ index: 7, process: 3, type: "ok", f: "read", value: 1 }];
    await expect(checkLinearizable(orphan, registerModel)).rejects.toThrow(
      /op 7: process 3 completes \(ok\) an operation it never invoked/,
    );
    const twice: History = [
      { index: 0, process: 3, type: "invoke", f: "read" },
      { index: 1, process: 3, type: "invoke", f: "read" },
    ];
    await expect(checkLinearizable(twice, registerModel)).rejects.toThrow(
      /op 1: process 3 invokes again while its op 0/,
    );
  });
});
