import { describe, expect, it } from "vitest";
import { checkSet } from "../../src/checker/set.js";
import { HistoryBuilder } from "./support/lost-writes-history.js";

const K = "s0";

describe("set checker: stable, lost, never-read", () => {
  it("acknowledged and read back is stable and valid", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1)
      .op(1, "ok", "add", K, 2)
      .invoke(2, "final-read", K)
      .ok(2, "final-read", K, ["1", "2"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(true);
    expect(r).toMatchObject({ attempted: 2, acknowledged: 2, stable: 2, lost: [], neverRead: [], unexpected: [] });
  });

  it("an acknowledged element missing from a later read is lost, with the evidence", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1) // 0,1
      .op(0, "ok", "add", K, 2) // 2,3
      .invoke(1, "read", K) // 4
      .ok(1, "read", K, ["1", "2"]) // 5
      .invoke(1, "final-read", K) // 6
      .ok(1, "final-read", K, ["1"]); // 7
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([
      { key: K, element: "2", knownBy: { op: 2, how: "ack" }, acknowledged: true, lastSeenBy: 4, missedBy: 6 },
    ]);
    expect(r.stable).toBe(1);
    expect(r.reason).toContain("1 element(s) lost");
  });

  it("a read concurrent with the add cannot testify against it", () => {
    const h = new HistoryBuilder()
      .invoke(1, "read", K) // read begins before the add is known
      .invoke(0, "add", K, 7)
      .ok(0, "add", K, 7)
      .ok(1, "read", K, []) // misses it, but began before the ack
      .invoke(1, "final-read", K)
      .ok(1, "final-read", K, ["7"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(true);
    expect(r.lost).toEqual([]);
    expect(r.stale).toBe(0);
  });

  it("a read that began before the ack but missed it leaves the element never-read when nothing later reads", () => {
    const h = new HistoryBuilder().invoke(1, "read", K).op(0, "ok", "add", K, 7).ok(1, "read", K, []);
    const r = checkSet(h.ops);
    expect(r.neverRead).toEqual([{ key: K, element: "7" }]);
    expect(r.valid).toBe("unknown");
    expect(r.reason).toMatch(/never read/);
  });

  it("missing then present again is stable but stale", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 3)
      .op(1, "ok", "read", K, undefined, [])
      .op(1, "ok", "final-read", K, undefined, ["3"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(true);
    expect(r.stable).toBe(1);
    expect(r.stale).toBe(1);
    expect(r.staleElements).toEqual([{ key: K, element: "3" }]);
  });

  it("present in the last of several reads wins over an earlier miss; absent in the last loses", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1)
      .op(0, "ok", "add", K, 2)
      .op(1, "ok", "read", K, undefined, ["1"])
      .op(1, "ok", "read", K, undefined, ["2"])
      .op(1, "ok", "final-read", K, undefined, ["2"]);
    const r = checkSet(h.ops);
    expect(r.lost.map((l) => l.element)).toEqual(["1"]);
    expect(r.stable).toBe(1);
  });
});

describe("set checker: indeterminate adds", () => {
  it("an info add never seen is not lost", () => {
    const h = new HistoryBuilder()
      .invoke(0, "add", K, 5)
      .info(0, "add", K, 5)
      .op(1, "ok", "final-read", K, undefined, []);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(true);
    expect(r.lost).toEqual([]);
    expect(r.indeterminate).toBe(1);
    expect(r.acknowledged).toBe(0);
  });

  it("an info add seen in a read and later missing is lost (known by the read)", () => {
    const h = new HistoryBuilder()
      .invoke(0, "add", K, 5) // 0
      .info(0, "add", K, 5) // 1
      .op(1, "ok", "read", K, undefined, ["5"]) // 2,3
      .op(1, "ok", "final-read", K, undefined, []); // 4,5
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([
      { key: K, element: "5", knownBy: { op: 2, how: "read" }, acknowledged: false, lastSeenBy: 2, missedBy: 4 },
    ]);
  });

  it("an add acknowledged after a read already returned it is known by the read, and still an acknowledged write", () => {
    const h = new HistoryBuilder()
      .invoke(0, "add", K, 6) // 0
      .op(1, "ok", "read", K, undefined, ["6"]) // 1,2: returns the element before the add's ack arrives
      .ok(0, "add", K, 6) // 3
      .op(1, "ok", "final-read", K, undefined, []); // 4,5
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([
      { key: K, element: "6", knownBy: { op: 1, how: "read" }, acknowledged: true, lastSeenBy: 1, missedBy: 4 },
    ]);
  });

  it("an add that never completed (history cut short) counts as indeterminate", () => {
    const h = new HistoryBuilder().invoke(0, "add", K, 9).op(1, "ok", "final-read", K, undefined, []);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(true);
    expect(r.indeterminate).toBe(1);
  });

  it("a failed add that shows up is unexpected; a failed add that does not is fine", () => {
    const h = new HistoryBuilder()
      .op(0, "fail", "add", K, 1)
      .op(0, "fail", "add", K, 2)
      .op(1, "ok", "final-read", K, undefined, ["1"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([{ key: K, element: "1", why: "add failed", readBy: 4 }]);
    expect(r.failed).toBe(2);
  });

  it("an element nobody added is unexpected", () => {
    const h = new HistoryBuilder().op(1, "ok", "final-read", K, undefined, ["42"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.unexpected).toEqual([{ key: K, element: "42", why: "never added", readBy: 0 }]);
  });

  it("failed and info reads are ignored as evidence", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1)
      .op(1, "fail", "read", K)
      .op(1, "info", "read", K)
      .op(2, "ok", "final-read", K, undefined, ["1"]);
    expect(checkSet(h.ops).valid).toBe(true);
  });
});

describe("set checker: duplicates, keys, verdicts", () => {
  it("an element twice in one read is duplicated", () => {
    const h = new HistoryBuilder().op(0, "ok", "add", K, 1).op(1, "ok", "final-read", K, undefined, ["1", "1", "1"]);
    const r = checkSet(h.ops);
    expect(r.valid).toBe(false);
    expect(r.duplicated).toEqual([{ key: K, element: "1", copies: 3, readBy: 2 }]);
  });

  it("keys are separate sets: an element read under another key does not count", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", "a", 1)
      .op(1, "ok", "final-read", "a", undefined, [])
      .op(1, "ok", "final-read", "b", undefined, ["1"]);
    const r = checkSet(h.ops);
    expect(r.lost.map((l) => [l.key, l.element])).toEqual([["a", "1"]]);
    expect(r.unexpected.map((u) => [u.key, u.element, u.why])).toEqual([["b", "1", "never added"]]);
    expect(r.keys).toBe(2);
  });

  it("numbers and strings name the same element", () => {
    const h = new HistoryBuilder().op(0, "ok", "add", K, 10).op(1, "ok", "final-read", K, undefined, [10]);
    expect(checkSet(h.ops).valid).toBe(true);
  });

  it("is unknown with a reason when every final read failed", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1)
      .op(1, "ok", "read", K, undefined, ["1"])
      .op(1, "info", "final-read", K);
    const r = checkSet(h.ops);
    expect(r.valid).toBe("unknown");
    expect(r.reason).toMatch(/no final read succeeded/);
  });

  it("lost beats unknown", () => {
    const h = new HistoryBuilder()
      .op(0, "ok", "add", K, 1)
      .op(1, "ok", "read", K, undefined, ["1"])
      .op(1, "ok", "read", K, undefined, [])
      .op(1, "fail", "final-read", K);
    expect(checkSet(h.ops).valid).toBe(false);
  });

  it("an empty history is trivially valid", () => {
    expect(checkSet([]).valid).toBe(true);
  });
});

describe("set checker: latency", () => {
  it("reports stable-latency quantiles in ms for timed histories", () => {
    const h = new HistoryBuilder(true)
      .op(0, "ok", "add", K, 1) // t=0,1
      .op(1, "ok", "read", K, undefined, []) // t=2,3: misses 1, completes at 3 ms
      .op(1, "ok", "final-read", K, undefined, ["1"]); // t=4,5
    const r = checkSet(h.ops);
    expect(r.stableLatencyMs).toEqual({ "0": 3, "0.5": 3, "0.95": 3, "0.99": 3, "1": 3 });
  });

  it("has no latencies without times", () => {
    const h = new HistoryBuilder().op(0, "ok", "add", K, 1).op(1, "ok", "final-read", K, undefined, ["1"]);
    expect(checkSet(h.ops).stableLatencyMs).toBeUndefined();
  });
});

describe("set checker: agrees with a direct reading of the definition on random histories", () => {
  // The checker computes last-present / last-absent in one pass; this reference scans every read per element.
  function reference(h: HistoryBuilder): { lost: string[]; stale: string[]; neverRead: string[] } {
    const ops = h.ops;
    const reads: Array<{ start: number; end: number; els: Set<string> }> = [];
    const adds = new Map<string, { start: number; end: number; type: string }>();
    const open = new Map<number, number>();
    for (const op of ops) {
      const p = op.process as number;
      if (op.type === "invoke") open.set(p, op.index);
      else {
        const inv = ops[open.get(p)!]!;
        if (inv.f === "add")
          adds.set(String(inv.value), { start: inv.index, end: op.type === "ok" ? op.index : Infinity, type: op.type });
        else if (op.type === "ok")
          reads.push({ start: inv.index, end: op.index, els: new Set((op.value as unknown[]).map(String)) });
      }
    }
    reads.sort((a, b) => a.start - b.start);
    const out = { lost: [] as string[], stale: [] as string[], neverRead: [] as string[] };
    for (const [e, a] of adds) {
      if (a.type === "fail") continue;
      const seenAt = Math.min(...reads.filter((r) => r.els.has(e)).map((r) => r.end));
      const known = Math.min(a.end, seenAt);
      if (known === Infinity) continue;
      let lastPresent: (typeof reads)[number] | undefined;
      let lastAbsent: (typeof reads)[number] | undefined;
      for (const r of reads) {
        if (r.els.has(e)) lastPresent = r;
        else if (r.start > known) lastAbsent = r;
      }
      if (lastAbsent && (!lastPresent || lastAbsent.start > lastPresent.start)) out.lost.push(e);
      else if (lastPresent) {
        if (lastAbsent) out.stale.push(e);
      } else out.neverRead.push(e);
    }
    return out;
  }

  it("on 300 random concurrent histories", async () => {
    const { SeededRng } = await import("../../src/core/rng.js");
    const rng = new SeededRng(7);
    const seenCases = { lost: 0, stale: 0, neverRead: 0 };
    for (let trial = 0; trial < 300; trial++) {
      const h = new HistoryBuilder();
      const present = new Set<string>();
      const pending = new Map<number, { f: string; value?: number }>();
      let next = 0;
      for (let step = 0; step < 40; step++) {
        const p = rng.int(4);
        const inflight = pending.get(p);
        if (!inflight) {
          if (rng.next() < 0.6) {
            const v = next++;
            h.invoke(p, "add", K, v);
            pending.set(p, { f: "add", value: v });
          } else {
            h.invoke(p, "read", K);
            pending.set(p, { f: "read" });
          }
          continue;
        }
        pending.delete(p);
        if (inflight.f === "add") {
          const roll = rng.next();
          if (roll < 0.6) {
            present.add(String(inflight.value));
            h.ok(p, "add", K, inflight.value);
          } else if (roll < 0.8) {
            h.fail(p, "add", K, inflight.value);
          } else {
            if (rng.next() < 0.5) present.add(String(inflight.value));
            h.info(p, "add", K, inflight.value);
          }
        } else {
          // The "database" sometimes forgets elements, so lost and stale cases occur.
          for (const e of [...present]) if (rng.next() < 0.08) present.delete(e);
          const seenNow = [...present].filter(() => rng.next() < 0.9);
          h.ok(p, "read", K, seenNow);
        }
      }
      const want = reference(h);
      const got = checkSet(h.ops);
      expect(got.lost.map((l) => l.element).sort()).toEqual(want.lost.sort());
      expect(got.staleElements.map((l) => l.element).sort()).toEqual(want.stale.sort());
      expect(got.neverRead.map((l) => l.element).sort()).toEqual(want.neverRead.sort());
      seenCases.lost += want.lost.length;
      seenCases.stale += want.stale.length;
      seenCases.neverRead += want.neverRead.length;
    }
    // The generator must actually exercise every outcome, or the comparison proves little.
    expect(seenCases.lost).toBeGreaterThan(10);
    expect(seenCases.stale).toBeGreaterThan(10);
    expect(seenCases.neverRead).toBeGreaterThan(10);
  });
});
