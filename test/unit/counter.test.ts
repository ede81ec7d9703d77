import { describe, expect, it } from "vitest";
import { checkCounter } from "../../src/checker/counter.js";
import { HistoryBuilder } from "./support/lost-writes-history.js";

const C = "counter";

describe("counter checker: final value", () => {
  it("exact when everything was acknowledged", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "ok", "add", C, 3)
      .op(0, "ok", "final-read", C, undefined, "5");
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(true);
    expect(r.final).toEqual({ op: 4, f: "final-read", value: 5, lower: 5, upper: 5 });
    expect(r.acknowledgedSum).toBe(5);
  });

  it("an acknowledged increment missing from the final value is an error", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "ok", "add", C, 3)
      .op(0, "ok", "final-read", C, undefined, 2);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{ op: 4, f: "final-read", value: 2, lower: 5, upper: 5 }]);
  });

  it("indeterminate increments widen the upper bound only", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "info", "add", C, 3)
      .op(2, "ok", "final-read", C, undefined, 5);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(true);
    expect(r.final).toMatchObject({ lower: 2, upper: 5 });
    expect(r.indeterminateSum).toBe(3);
    const lowH = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "info", "add", C, 3)
      .op(2, "ok", "final-read", C, undefined, 2);
    expect(checkCounter(lowH.ops).valid).toBe(true);
    const highH = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "info", "add", C, 3)
      .op(2, "ok", "final-read", C, undefined, 6);
    expect(checkCounter(highH.ops).errors).toEqual([{ op: 4, f: "final-read", value: 6, lower: 2, upper: 5 }]);
  });

  it("failed increments never count", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", C, 2)
      .op(1, "fail", "add", C, 3)
      .op(2, "ok", "final-read", C, undefined, 5);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(false);
    expect(r.adds).toEqual({ attempted: 2, acknowledged: 1, failed: 1, indeterminate: 0 });
  });

  it("a missing key reads as zero", () => {
    const h = new HistoryBuilder().op(0, "ok", "final-read", C, undefined, null);
    expect(checkCounter(h.ops).final).toMatchObject({ value: 0, lower: 0, upper: 0 });
  });

  it("unknown when every final read failed", () => {
    const h = new HistoryBuilder().op(0, "ok", "add", C, 1).op(1, "info", "final-read", C);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.reason).toMatch(/no final read succeeded/);
  });

  it("a non-numeric read is invalid", () => {
    const h = new HistoryBuilder().op(0, "ok", "final-read", C, undefined, "banana");
    expect(checkCounter(h.ops).valid).toBe(false);
  });
});

describe("counter checker: reads during the run", () => {
  it("a read concurrent with an increment may or may not include it", () => {
    for (const seen of [0, 4]) {
      const h = new HistoryBuilder()
        .invoke(0, "add", C, 4)
        .invoke(1, "read", C)
        .ok(1, "read", C, seen)
        .ok(0, "add", C, 4);
      const r = checkCounter(h.ops);
      expect(r.valid).toBe(true);
    }
  });

  it("a read that began after an acknowledged increment must include it", () => {
    const h = new HistoryBuilder().op(0, "ok", "add", C, 4).op(1, "ok", "read", C, undefined, 0);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{ op: 2, f: "read", value: 0, lower: 4, upper: 4 }]);
  });

  it("a read cannot include an increment invoked after it completed", () => {
    const h = new HistoryBuilder().op(1, "ok", "read", C, undefined, 4).op(0, "ok", "add", C, 4);
    const r = checkCounter(h.ops);
    expect(r.errors).toEqual([{ op: 0, f: "read", value: 4, lower: 0, upper: 0 }]);
  });

  it("an info increment invoked before the read may be included, and may not", () => {
    const base = () => new HistoryBuilder().invoke(0, "add", C, 3).info(0, "add", C, 3);
    expect(checkCounter(base().op(1, "ok", "read", C, undefined, 3).ops).valid).toBe(true);
    expect(checkCounter(base().op(1, "ok", "read", C, undefined, 0).ops).valid).toBe(true);
  });

  it("negative deltas widen the lower bound while in flight", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", C, 5)
      .invoke(0, "add", C, -2)
      .op(1, "ok", "read", C, undefined, 3)
      .ok(0, "add", C, -2);
    const r = checkCounter(h.ops);
    expect(r.valid).toBe(true);
    const bad = new HistoryBuilder()
      .op(0, "ok", "add", C, 5)
      .invoke(0, "add", C, -2)
      .op(1, "ok", "read", C, undefined, 2)
      .ok(0, "add", C, -2);
    expect(checkCounter(bad.ops).errors[0]).toMatchObject({ lower: 3, upper: 5 });
  });

  it("uses times when every op has one", () => {
    const h = new HistoryBuilder(true)
      .op(0, "ok", "add", C, 1)
      .op(1, "ok", "read", C, undefined, 1)
      .op(1, "ok", "final-read", C, undefined, 1);
    expect(checkCounter(h.ops).valid).toBe(true);
  });
});

describe("counter checker: prefix-sum bounds agree with a direct scan", () => {
  it("on 300 random concurrent histories", async () => {
    const { SeededRng } = await import("../../src/core/rng.js");
    const rng = new SeededRng(11);
    let outside = 0;
    for (let trial = 0; trial < 300; trial++) {
      const h = new HistoryBuilder();
      const pending = new Map<number, { f: string; d?: number }>();
      let actual = 0;
      for (let step = 0; step < 40; step++) {
        const p = rng.int(4);
        const inflight = pending.get(p);
        if (!inflight) {
          if (rng.next() < 0.6) {
            const d = rng.int(7) - 2;
            h.invoke(p, "add", C, d);
            pending.set(p, { f: "add", d });
          } else {
            h.invoke(p, "read", C);
            pending.set(p, { f: "read" });
          }
          continue;
        }
        pending.delete(p);
        if (inflight.f === "add") {
          const roll = rng.next();
          if (roll < 0.7) (actual += inflight.d!), h.ok(p, "add", C, inflight.d);
          else if (roll < 0.85) h.fail(p, "add", C, inflight.d);
          else h.info(p, "add", C, inflight.d);
        } else {
          h.ok(p, "read", C, actual + (rng.next() < 0.2 ? rng.int(5) - 2 : 0));
        }
      }
      // Direct definition: scan every add for every read.
      const ops = h.ops;
      const open = new Map<number, number>();
      const adds: Array<{ s: number; e: number; d: number }> = [];
      const reads: Array<{ s: number; e: number; v: number; op: number }> = [];
      for (const op of ops) {
        const p = op.process as number;
        if (op.type === "invoke") {
          open.set(p, op.index);
          continue;
        }
        const inv = ops[open.get(p)!]!;
        if (inv.f === "add" && op.type !== "fail")
          adds.push({ s: inv.index, e: op.type === "ok" ? op.index : Infinity, d: inv.value as number });
        if (inv.f === "read" && op.type === "ok")
          reads.push({ s: inv.index, e: op.index, v: op.value as number, op: inv.index });
      }
      // Adds still in flight at the end never completed: as indeterminate as info.
      for (const [p, i] of open)
        if (ops[i]!.f === "add" && !ops.some((o) => o.index > i && o.process === p))
          adds.push({ s: i, e: Infinity, d: ops[i]!.value as number });
      const want = reads.flatMap((r) => {
        let lo = 0;
        let hi = 0;
        for (const a of adds) {
          if (a.e < r.s) (lo += a.d), (hi += a.d);
          else if (a.s < r.e) a.d > 0 ? (hi += a.d) : (lo += a.d);
        }
        return r.v < lo || r.v > hi ? [{ op: r.op, f: "read", value: r.v, lower: lo, upper: hi }] : [];
      });
      const byOp = (a: { op: number }, b: { op: number }) => a.op - b.op;
      expect(checkCounter(ops).errors.slice().sort(byOp)).toEqual(want.sort(byOp));
      outside += want.length;
    }
    expect(outside).toBeGreaterThan(10);
  });
});
