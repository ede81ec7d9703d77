import { describe, expect, it } from "vitest";
import { checkLinearizable, describeCounterexample } from "../../src/checker/linearizable/index.js";
import { kvModel, registerModel } from "../../src/models/index.js";
import { injectLostWrite, injectPhantomRead, injectStaleRead, simulatedHistory } from "../support/histories.js";
import { seededRng } from "../support/rng.js";

const SEEDS = Array.from({ length: 12 }, (_, i) => i + 1);

describe("histories from a sequential model under simulated concurrency", () => {
  for (const kind of ["register", "kv"] as const) {
    const model = kind === "register" ? registerModel : kvModel;
    const gen = (seed: number) =>
      simulatedHistory(kind, seededRng(seed), {
        processes: 3 + (seed % 6),
        ops: 200,
        infoRate: 0.1,
        ...(kind === "kv" ? { keys: 4 } : {}),
      });

    it(`${kind}: are linearizable, pending and failed ops included`, async () => {
      let pending = 0;
      let failed = 0;
      for (const seed of SEEDS) {
        const r = await checkLinearizable(gen(seed), model, { workers: 1 });
        expect(r.valid, `seed ${seed}: ${r.reason}`).toBe(true);
        expect(r.anomalies).toEqual([]);
        pending += r.stats.pendingOps;
        failed += r.stats.failedOps;
      }
      expect(pending).toBeGreaterThan(0);
      if (kind === "register") expect(failed).toBeGreaterThan(0);
    });

    it(`${kind}: a stale read, a lost write or a phantom read makes them invalid`, async () => {
      for (const seed of SEEDS) {
        const h = gen(seed);
        for (const [name, bad] of [
          ["stale read", injectStaleRead(h, kind)],
          ["lost write", injectLostWrite(h, kind)],
          ["phantom read", injectPhantomRead(h, seededRng(seed))],
        ] as const) {
          const r = await checkLinearizable(bad, model, { workers: 1 });
          expect(r.valid, `seed ${seed}, ${name}`).toBe(false);
          expect(r.anomalies.length).toBe(1);
        }
      }
    });
  }
});

describe("counterexamples", () => {
  it("name the longest prefix, the state after it, the op that cannot follow, and draw every process", async () => {
    const h = [
      { index: 0, process: 0, type: "invoke", f: "write", value: 1, time: 0 },
      { index: 1, process: 0, type: "ok", f: "write", value: 1, time: 10 },
      { index: 2, process: 1, type: "invoke", f: "write", value: 2, time: 20 },
      { index: 3, process: 1, type: "ok", f: "write", value: 2, time: 30 },
      { index: 4, process: 2, type: "invoke", f: "read", value: null, time: 40 },
      { index: 5, process: 2, type: "ok", f: "read", value: 1, time: 50 },
      { index: 6, process: 3, type: "invoke", f: "write", value: 3, time: 45 },
    ] as const;
    const r = await checkLinearizable([...h], registerModel, { workers: 1 });
    expect(r.valid).toBe(false);
    const c = r.anomalies[0]!;
    // Nobody reads 3, so the pending write of 3 cannot matter and is left out of the explanation.
    expect(c.longestPrefix).toEqual([0, 2]);
    expect(c.stateAfterPrefix).toBe('"2"');
    expect(c.blockedBy).toBe(4);
    expect(c.stuck).toEqual([{ id: 4, process: 2, description: 'read -> "1"', why: "refused", pending: false }]);
    expect(c.timeUnit).toBe("ns");
    expect(c.rows.map((row) => row.process)).toEqual([0, 1, 2]);
    expect(c.rows.find((row) => row.process === 2)!.ops).toEqual([
      { id: 4, completionId: 5, description: 'read -> "1"', call: 40, ret: 50, linearizedAt: null },
    ]);
    expect(c.rows.find((row) => row.process === 1)!.ops[0]!.linearizedAt).toBe(1);
    const text = describeCounterexample(c).join("\n");
    expect(text).toContain("longest linearizable prefix has 2 ops");
    expect(text).toContain('op 4 (process 2) read -> "1": impossible in state "2"');

    // Kept, the pending write may have happened: the longest prefix takes it, and the read still cannot follow.
    const full = await checkLinearizable([...h], registerModel, { workers: 1, pruneUnobserved: false });
    expect(full.anomalies[0]!.longestPrefix).toEqual([0, 2, 6]);
    expect(full.anomalies[0]!.rows.find((row) => row.process === 3)!.ops[0]!).toMatchObject({
      ret: null,
      linearizedAt: 2,
    });
  });
});
