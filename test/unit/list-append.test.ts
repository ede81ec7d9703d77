import { describe, expect, it } from "vitest";
import { checkListAppend, type ListAppendResult } from "../../src/checker/list-append/index.js";
import { TxnHistory } from "./support/txn-history.js";

const names = (r: ListAppendResult) => Object.keys(r.counts).sort();

describe("list-append checker: valid histories", () => {
  it("appends read back in order are valid under strict serializability", () => {
    const h = new TxnHistory()
      .txn(0, "ok", [["append", "x", 1]])
      .txn(1, "ok", [
        ["append", "x", 2],
        ["r", "x", [1, 2]],
      ])
      .txn(0, "ok", [["r", "x", [1, 2]]]);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(true);
    expect(r.counts).toEqual({});
    expect(r.txns).toEqual({ ok: 3, fail: 0, info: 0 });
  });

  it("concurrent appends may be seen in either order", () => {
    for (const order of [
      [1, 2],
      [2, 1],
    ]) {
      const h = new TxnHistory()
        .invoke(0, [["append", "x", 1]])
        .invoke(1, [["append", "x", 2]])
        .complete(0, "ok", [["append", "x", 1]])
        .complete(1, "ok", [["append", "x", 2]])
        .txn(2, "ok", [["r", "x", order]]);
      const r = checkListAppend(h.ops);
      expect(r.valid, `order ${order}`).toBe(true);
    }
  });

  it("an indeterminate append that happened is ordered, one that did not is neither lost nor aborted", () => {
    const happened = new TxnHistory()
      .txn(0, "info", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [1, 2]]]);
    expect(checkListAppend(happened.ops).valid).toBe(true);
    const not = new TxnHistory()
      .txn(0, "info", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [2]]]);
    const r = checkListAppend(not.ops);
    expect(r.valid).toBe(true);
    expect(r.lost).toEqual([]);
    expect(r.g1a).toEqual([]);
  });

  it("write skew is G2: invalid when serializable, allowed by snapshot isolation", () => {
    const h = new TxnHistory()
      .invoke(0, [
        ["r", "x", []],
        ["append", "y", 1],
      ])
      .invoke(1, [
        ["r", "y", []],
        ["append", "x", 1],
      ])
      .complete(0, "ok", [
        ["r", "x", []],
        ["append", "y", 1],
      ])
      .complete(1, "ok", [
        ["r", "y", []],
        ["append", "x", 1],
      ])
      .txn(2, "ok", [
        ["r", "x", [1]],
        ["r", "y", [1]],
      ]);
    const ser = checkListAppend(h.ops, { consistency: "serializable" });
    expect(ser.valid).toBe(false);
    expect(names(ser)).toEqual(["G2"]);
    const cycle = ser.cycles.find((c) => c.name === "G2")!;
    expect(cycle.edges.map((e) => e.kind)).toEqual(["rw", "rw"]);
    expect(cycle.edges.map((e) => e.why).join(" / ")).toMatch(
      /appended 1 to key [xy] after T\d+'s read of key [xy] saw \[\], so T\d+ rw-> T\d+/,
    );
    const si = checkListAppend(h.ops, { consistency: "snapshot-isolation" });
    expect(si.valid).toBe(true);
    expect(si.reason).toContain("G2");
  });
});

describe("list-append checker: every anomaly class by name", () => {
  it("G0: two transactions' appends ordered differently on two keys", () => {
    const a: [string, string, number][] = [
      ["append", "x", 1],
      ["append", "y", 1],
    ];
    const b: [string, string, number][] = [
      ["append", "x", 2],
      ["append", "y", 2],
    ];
    const h = new TxnHistory()
      .invoke(0, a)
      .invoke(1, b)
      .complete(0, "ok", a)
      .complete(1, "ok", b)
      .txn(2, "ok", [
        ["r", "x", [1, 2]],
        ["r", "y", [2, 1]],
      ]);
    const r = checkListAppend(h.ops, { consistency: "read-committed" });
    expect(r.valid).toBe(false);
    expect(r.counts.G0).toBe(1);
    const c = r.cycles.find((x) => x.name === "G0")!;
    expect(c.txns.map((t) => t.id).sort()).toEqual([0, 1]);
    expect(c.edges.every((e) => e.kind === "ww")).toBe(true);
    expect(c.edges[0]!.why).toMatch(
      /T\d+ appended \d to key [xy], and T\d+ appended \d right after it, so T\d+ ww-> T\d+/,
    );
  });

  it("G1a: a value whose append failed is read", () => {
    const h = new TxnHistory().txn(0, "fail", [["append", "x", 1]]).txn(1, "ok", [["r", "x", [1]]]);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(false);
    expect(r.g1a).toEqual([{ key: "x", value: "1", reader: 2, writer: 0, read: ["1"] }]);
  });

  it("G1b: a read ends at another transaction's intermediate append", () => {
    const w: [string, string, number][] = [
      ["append", "x", 1],
      ["append", "x", 2],
    ];
    const h = new TxnHistory()
      .invoke(0, w)
      .txn(1, "ok", [["r", "x", [1]]])
      .complete(0, "ok", w);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(false);
    expect(names(r)).toContain("G1b");
    expect(r.g1b[0]).toMatchObject({ key: "x", value: "1", reader: 1, writer: 0 });
  });

  it("G1c: each transaction read the other's append", () => {
    const a: [string, string, unknown][] = [
      ["append", "x", 1],
      ["r", "y", [1]],
    ];
    const b: [string, string, unknown][] = [
      ["append", "y", 1],
      ["r", "x", [1]],
    ];
    const h = new TxnHistory().invoke(0, a).invoke(1, b).complete(0, "ok", a).complete(1, "ok", b);
    const r = checkListAppend(h.ops, { consistency: "read-committed" });
    expect(r.valid).toBe(false);
    expect(names(r)).toEqual(["G1c"]);
    expect(r.cycles[0]!.edges.map((e) => e.kind)).toEqual(["wr", "wr"]);
    expect(r.cycles[0]!.edges[0]!.why).toMatch(
      /read of key [xy] saw \[1\], ending in T\d+'s append of 1, so T\d+ wr-> T\d+/,
    );
  });

  it("G-single: one anti-dependency closes the cycle (read skew)", () => {
    const reader: [string, string, unknown][] = [
      ["r", "x", []],
      ["r", "y", [1]],
    ];
    const writer: [string, string, unknown][] = [
      ["append", "x", 1],
      ["append", "y", 1],
    ];
    const h = new TxnHistory()
      .invoke(0, reader)
      .invoke(1, writer)
      .complete(0, "ok", reader)
      .complete(1, "ok", writer)
      .txn(2, "ok", [["r", "x", [1]]]);
    const r = checkListAppend(h.ops, { consistency: "snapshot-isolation" });
    expect(r.valid).toBe(false);
    expect(names(r)).toEqual(["G-single"]);
    expect(r.cycles[0]!.edges.map((e) => e.kind).sort()).toEqual(["rw", "wr"]);
    // Read committed allows it.
    expect(checkListAppend(h.ops, { consistency: "read-committed" }).valid).toBe(true);
  });

  it("G-single-realtime: a read begun after an acknowledged append misses it (stale read)", () => {
    const h = new TxnHistory()
      .txn(0, "ok", [["append", "x", 1]])
      .txn(1, "ok", [["r", "x", []]])
      .txn(2, "ok", [["append", "x", 2]])
      .txn(3, "ok", [["r", "x", [1, 2]]]);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(false);
    expect(names(r)).toEqual(["G-single-realtime"]);
    const c = r.cycles[0]!;
    expect(c.edges.map((e) => e.kind).sort()).toEqual(["rt", "rw"]);
    expect(c.edges.find((e) => e.kind === "rt")!.why).toBe("T0 completed before T2 began, so T0 rt-> T2");
    expect(checkListAppend(h.ops, { consistency: "serializable" }).valid).toBe(true);
  });

  it("G0-realtime, G1c-realtime and G2-realtime need their real-time edge", () => {
    // T0 appends x 1 and completes; T1 begins after and appends x 2, but the order shows 2 before 1.
    const g0 = new TxnHistory()
      .txn(0, "ok", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [2, 1]]]);
    expect(names(checkListAppend(g0.ops))).toEqual(["G0-realtime"]);
    // T1 read T0's append, but T1 completed before T0 began.
    const g1c = new TxnHistory().txn(1, "ok", [["r", "x", [1]]]).txn(0, "ok", [["append", "x", 1]]);
    expect(names(checkListAppend(g1c.ops))).toEqual(["G1c-realtime"]);
    // Two reads, each missing the other's append, and one of them strictly after the other.
    const g2 = new TxnHistory()
      .txn(0, "ok", [
        ["r", "x", []],
        ["append", "y", 1],
      ])
      .txn(1, "ok", [
        ["r", "y", []],
        ["append", "x", 1],
      ])
      .txn(2, "ok", [
        ["r", "x", [1]],
        ["r", "y", [1]],
      ]);
    const r = checkListAppend(g2.ops);
    expect(names(r)).toContain("G2");
    expect(checkListAppend(g2.ops, { consistency: "snapshot-isolation" }).valid).toBe(true);
  });

  it("incompatible orders, duplicates, unexpected values and internal reads", () => {
    const h = new TxnHistory()
      .txn(0, "ok", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [2, 1]]])
      .txn(3, "ok", [["r", "x", [1, 2, 3]]])
      .txn(4, "ok", [["r", "y", [5, 5]]])
      .txn(5, "ok", [
        ["append", "z", 9],
        ["r", "z", []],
      ]);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(false);
    expect(names(r)).toEqual(expect.arrayContaining(["incompatible-order", "duplicate", "unexpected", "internal"]));
    expect(r.incompatibleOrder[0]).toMatchObject({ key: "x", read: ["2", "1"], otherRead: ["1", "2", "3"] });
    expect(r.internal[0]).toMatchObject({ key: "z", txn: 10, read: [] });
  });

  it("lost: an acknowledged append missing from a read that holds an append begun after it", () => {
    const h = new TxnHistory()
      .txn(0, "ok", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [2]]]);
    const r = checkListAppend(h.ops);
    expect(r.valid).toBe(false);
    expect(r.lost).toEqual([{ key: "x", value: "1", writer: 0, missedBy: 4, seenBy: undefined }]);
    // The same shape with an indeterminate first append is not a loss.
    const info = new TxnHistory()
      .txn(0, "info", [["append", "x", 1]])
      .txn(1, "ok", [["append", "x", 2]])
      .txn(2, "ok", [["r", "x", [2]]]);
    expect(checkListAppend(info.ops).lost).toEqual([]);
  });

  it("a huge strongly connected component costs a bounded search", () => {
    // A ring of 3000 transactions, each reading its predecessor's append: one long G1c cycle.
    const h = new TxnHistory();
    const n = 3000;
    const mops = (i: number): [string, string, unknown][] => [
      ["append", `k${i}`, i],
      ["r", `k${(i + n - 1) % n}`, [(i + n - 1) % n]],
    ];
    for (let i = 0; i < n; i++) h.invoke(i, mops(i));
    for (let i = 0; i < n; i++) h.complete(i, "ok", mops(i));
    const t0 = performance.now();
    const r = checkListAppend(h.ops, { limits: { starts: 4, states: 50_000 } });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.valid).toBe(false);
    expect(r.cycles.find((c) => c.name === "G1c")!.edges).toHaveLength(n);
  });
});
