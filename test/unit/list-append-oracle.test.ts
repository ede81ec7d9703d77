import { describe, expect, it } from "vitest";
import { type ConsistencyModel, checkListAppend } from "../../src/checker/list-append/index.js";
import { SeededRng } from "../../src/core/rng.js";
import type { History } from "../../src/history/op.js";

/**
 * The checker against brute force on small random histories. The oracle tries every subset of the indeterminate
 * transactions and every order of those with the committed ones (respecting real time when asked): the history is
 * serializable iff some order, replayed on empty lists, gives every committed read exactly what it returned.
 * Soundness (an anomaly the checker names is real) must hold always; on these histories, where a final read sees
 * every key whole, the checker must also find every violation.
 */

type Mop = ["append", string, number] | ["r", string, string[] | null];
interface T {
  type: "ok" | "fail" | "info";
  mops: Mop[];
  start: number;
  end: number;
}

const KEYS = ["x", "y"];

function permutations<X>(xs: X[]): X[][] {
  if (xs.length <= 1) return [xs];
  const out: X[][] = [];
  xs.forEach((x, i) => {
    for (const p of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...p]);
  });
  return out;
}

function replayMatches(order: T[]): boolean {
  const state = new Map<string, string[]>();
  for (const t of order) {
    for (const m of t.mops) {
      const cur = state.get(m[1]) ?? [];
      if (m[0] === "append") state.set(m[1], [...cur, String(m[2])]);
      else if (t.type === "ok" && (m[2] === null || m[2].join() !== cur.join())) return false;
    }
  }
  return true;
}

function oracle(txns: T[], realtime: boolean): boolean {
  const ok = txns.filter((t) => t.type === "ok");
  const info = txns.filter((t) => t.type === "info");
  for (let mask = 0; mask < 1 << info.length; mask++) {
    const chosen = [...ok, ...info.filter((_, i) => mask & (1 << i))];
    for (const order of permutations(chosen)) {
      // An indeterminate transaction may take effect any time after it began: it has no end to order by.
      if (realtime && order.some((a, i) => order.slice(0, i).some((b) => a.type === "ok" && a.end < b.start))) continue;
      if (replayMatches(order)) return true;
    }
  }
  return false;
}

/** A random history: a random serial run of some transactions, then perhaps a corrupted read. */
function randomHistory(rng: SeededRng): { txns: T[]; history: History } {
  const n = 2 + rng.int(4);
  let value = 0;
  const txns: T[] = [];
  for (let i = 0; i < n; i++) {
    const mops: Mop[] = [];
    for (let j = 0, m = 1 + rng.int(3); j < m; j++) {
      const k = KEYS[rng.int(KEYS.length)]!;
      mops.push(rng.next() < 0.5 ? ["append", k, ++value] : ["r", k, null]);
    }
    const roll = rng.next();
    const start = rng.int(20);
    txns.push({ type: roll < 0.7 ? "ok" : roll < 0.85 ? "info" : "fail", mops, start, end: start + 1 + rng.int(10) });
  }
  // Apply some in a random order (fail never, info sometimes), filling in reads.
  const applied = txns.filter((t) => t.type === "ok" || (t.type === "info" && rng.next() < 0.5));
  const order = applied.map((t) => ({ t, r: rng.next() })).sort((a, b) => a.r - b.r);
  const state = new Map<string, string[]>();
  for (const { t } of order) {
    for (const m of t.mops) {
      const cur = state.get(m[1]) ?? [];
      if (m[0] === "append") state.set(m[1], [...cur, String(m[2])]);
      else m[2] = [...cur];
    }
  }
  for (const t of txns) if (t.type !== "ok") for (const m of t.mops) if (m[0] === "r") m[2] = null;
  // Corrupt one read now and then: drop, reorder or borrow a value.
  const reads = txns.filter((t) => t.type === "ok").flatMap((t) => t.mops.filter((m) => m[0] === "r"));
  if (reads.length && rng.next() < 0.5) {
    const r = reads[rng.int(reads.length)]! as ["r", string, string[]];
    const roll = rng.next();
    if (roll < 0.33 && r[2].length) r[2] = r[2].slice(0, -1);
    else if (roll < 0.66 && r[2].length > 1) r[2] = [...r[2]].reverse();
    else if (value > 0) r[2] = [...r[2], String(1 + rng.int(value))].filter((v, i, a) => a.indexOf(v) === i);
  }
  // A final read of every key, after everything, that sees the state as applied.
  const last = Math.max(...txns.map((t) => t.end)) + 1;
  txns.push({
    type: "ok",
    mops: KEYS.map((k) => ["r", k, [...(state.get(k) ?? [])]] as Mop),
    start: last,
    end: last + 1,
  });

  const events: Array<{ at: number; done: boolean; p: number }> = [];
  txns.forEach((t, p) => events.push({ at: t.start * 2, done: false, p }, { at: t.end * 2 + 1, done: true, p }));
  events.sort((a, b) => a.at - b.at);
  const history: History = events.map((e, index) => {
    const t = txns[e.p]!;
    const value = t.mops.map((m) => (m[0] === "r" && (!e.done || t.type !== "ok") ? ["r", m[1], null] : [...m]));
    return { index, time: index, process: e.p, type: e.done ? t.type : "invoke", f: "txn", value };
  });
  return { txns, history };
}

describe("list-append checker against a brute-force oracle", () => {
  for (const [model, realtime] of [
    ["serializable", false],
    ["strict-serializable", true],
  ] as Array<[ConsistencyModel, boolean]>) {
    it(`agrees with the oracle on 700 random histories (${model})`, () => {
      const rng = new SeededRng(model.length * 7919);
      let invalid = 0;
      for (let i = 0; i < 700; i++) {
        const { txns, history } = randomHistory(rng);
        const truth = oracle(txns, realtime);
        const r = checkListAppend(history, { consistency: model });
        // `lost` is beyond serializability (an append acknowledged before a read began and missing from it).
        const found = r.prohibited.filter((n) => n !== "lost");
        const context = `history ${i}: ${JSON.stringify(txns)} -> ${JSON.stringify(r.counts)}`;
        if (found.length) expect(truth, `sound: ${context}`).toBe(false);
        if (!truth) {
          invalid++;
          expect(found.length, `complete: ${context}`).toBeGreaterThan(0);
        }
      }
      expect(invalid).toBeGreaterThan(50);
    });
  }
});
