import type { History } from "../../history/op.js";
import type { Checker, CheckResult } from "../checker.js";
import { CONSISTENCY_MODELS, type ConsistencyModel, DEFAULT_CONSISTENCY } from "./consistency.js";
import {
  CYCLE_CLASSES,
  type CycleStep,
  DEFAULT_LIMITS,
  DepGraph,
  type EdgeKind,
  findCycles,
  KIND_OF_BIT,
  RT,
  RW,
  type SearchLimits,
  WR,
  WW,
} from "./graph.js";
import { type MicroOp, show, type Txn, txnsOf } from "./txn.js";

export { txnOpProblem } from "./txn.js";

/**
 * Elle's list-append analysis, written for splitbrain. Each key is a list that transactions append unique values
 * to, so any read names, in order, the appends it saw: the longest read of a key is its version order, every other
 * read must be a prefix of it. From the order come the dependencies between transactions: ww (T1's append came just
 * before T2's), wr (T2's read ended with T1's append), rw (T1's read ended just before T2's append), plus real-time
 * edges (T1 completed before T2 began). A cycle is an anomaly, named by the edges it needs (Adya's G0, G1c, G-single,
 * G2, and Elle's -realtime variants); which ones invalidate depends on the consistency model asked for.
 *
 * What an indeterminate (`info`) transaction did is unknown: its appends enter the order only if a read saw them,
 * it is never called lost, and a read of one of its values is never an aborted read. Beyond Elle, an acknowledged
 * append that the key's latest read (begun after the acknowledgement) misses, or that is absent from a read already
 * holding an append begun after the acknowledgement, is `lost`, as the set checker counts lost elements.
 */

export { CONSISTENCY_MODELS, type ConsistencyModel, DEFAULT_CONSISTENCY };

const ALWAYS = ["G1a", "G1b", "internal", "incompatible-order", "duplicate", "unexpected", "lost"];
/** The anomalies each model rules out (weaker ones allow the rest, which are then reported but not held against it). */
export const PROHIBITED: Record<ConsistencyModel, readonly string[]> = {
  "read-committed": [...ALWAYS, "G0", "G1c"],
  "snapshot-isolation": [...ALWAYS, "G0", "G1c", "G-single"],
  serializable: [...ALWAYS, "G0", "G1c", "G-single", "G2"],
  "strict-serializable": [...ALWAYS, ...CYCLE_CLASSES.map((c) => c.name)],
};

/** Evidence lists hold at most this many entries each; `counts` has the totals. */
export const MAX_LISTED = 200;
/**
 * Lost appends listed: far more than other evidence, since the loss figures (windows, fractions) time each one
 * against the faults; an entry is small.
 */
export const MAX_LOST_LISTED = 20_000;
/** Cycles shown per anomaly class (one per component at most). */
export const MAX_CYCLES = 20;

/** A transaction as the evidence shows it. */
export interface TxnView {
  id: number;
  process: number;
  type: "ok" | "info";
  mops: MicroOp[];
}

export interface CycleEdge {
  from: number;
  to: number;
  kind: EdgeKind;
  key?: string;
  /** The sentence that justifies the edge. */
  why: string;
}

export interface CycleAnomaly {
  name: string;
  txns: TxnView[];
  edges: CycleEdge[];
}

export interface ReadAnomaly {
  key: string;
  value: string;
  /** The reading transaction. */
  reader: number;
  /** The appending transaction, where there is one. */
  writer?: number;
  read: string[];
}

export interface OrderAnomaly {
  key: string;
  reader: number;
  read: string[];
  /** The read it disagrees with (the key's longest). */
  other: number;
  otherRead: string[];
}

export interface LostAppend {
  key: string;
  value: string;
  /** The acknowledged transaction that appended it. */
  writer: number;
  /** The read that misses it. */
  missedBy: number;
  /** The value in that read appended by a transaction begun after the acknowledgement, if that is how it shows. */
  laterValue?: string;
  laterWriter?: number;
  /** A read that did see it, if any. */
  seenBy?: number;
}

export interface ListAppendResult extends CheckResult {
  consistency: ConsistencyModel;
  txns: { ok: number; fail: number; info: number };
  keys: number;
  /** How many of each anomaly were found, by Elle's names (cycle classes count components). */
  counts: Record<string, number>;
  /** The anomaly names found that the consistency model rules out. */
  prohibited: string[];
  cycles: CycleAnomaly[];
  g1a: ReadAnomaly[];
  g1b: ReadAnomaly[];
  unexpected: ReadAnomaly[];
  duplicates: ReadAnomaly[];
  incompatibleOrder: OrderAnomaly[];
  /** Reads that do not show the transaction's own earlier appends (or its own earlier read) as they should. */
  internal: Array<{ key: string; txn: number; read: string[]; expected: string }>;
  lost: LostAppend[];
  /** Appends in transactions that completed ok: the unit `lost` is counted in. */
  acknowledgedAppends: number;
  /** Acknowledged appends that no read begun after their acknowledgement covers: not checked for loss. */
  unconfirmed: number;
  graph: { nodes: number; edges: number; cutShort: string[] };
  checkMs: number;
}

export interface ListAppendOptions {
  consistency?: ConsistencyModel;
  limits?: SearchLimits;
}

interface WriteRec {
  txn: number;
  /** The transaction's appends to this key, in order, and this one's place among them. */
  seq: string[];
  pos: number;
  /** Whether it is the transaction's last append to this key (otherwise a read ending at it saw an intermediate state). */
  last: boolean;
}

interface ReadRec {
  txn: number;
  list: string[];
}

const push = <T>(list: T[], x: T) => {
  if (list.length < MAX_LISTED) list.push(x);
};
const pushLost = (list: LostAppend[], x: LostAppend) => {
  if (list.length < MAX_LOST_LISTED) list.push(x);
};

export function checkListAppend(history: History, opts: ListAppendOptions = {}): ListAppendResult {
  const t0 = performance.now();
  const consistency = opts.consistency ?? DEFAULT_CONSISTENCY;
  const { txns } = txnsOf(history);
  const counts: Record<string, number> = {};
  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const result: ListAppendResult = {
    valid: true,
    consistency,
    txns: { ok: 0, fail: 0, info: 0 },
    keys: 0,
    counts,
    prohibited: [],
    cycles: [],
    g1a: [],
    g1b: [],
    unexpected: [],
    duplicates: [],
    incompatibleOrder: [],
    internal: [],
    lost: [],
    acknowledgedAppends: 0,
    unconfirmed: 0,
    graph: { nodes: 0, edges: 0, cutShort: [] },
    checkMs: 0,
  };

  // Appends by key and value: those that may have happened (ok, info) and those that did not (fail).
  const writes = new Map<string, Map<string, WriteRec>>();
  const failed = new Map<string, Map<string, number>>();
  const reads = new Map<string, ReadRec[]>();
  const keyMap = <V>(m: Map<string, V>, k: string, make: () => V): V => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = make()));
    return v;
  };
  txns.forEach((t, i) => {
    result.txns[t.type]++;
    const lastAppend = new Map<string, string>();
    const seqs = new Map<string, string[]>();
    if (t.type === "ok") checkInternal(t, result, count);
    for (const m of t.mops) {
      const key = String(m[1]);
      if (m[0] === "append") {
        const value = String(m[2]);
        if (t.type === "ok") result.acknowledgedAppends++;
        if (t.type === "fail") keyMap(failed, key, () => new Map()).set(value, i);
        else {
          const byValue = keyMap(writes, key, () => new Map());
          const seq = keyMap(seqs, key, () => []);
          if (!byValue.has(value)) byValue.set(value, { txn: i, seq, pos: seq.length, last: false });
          seq.push(value);
          lastAppend.set(key, value);
        }
      } else if (t.type === "ok" && Array.isArray(m[2])) {
        keyMap(reads, key, () => []).push({ txn: i, list: m[2].map(String) });
      } else keyMap(reads, key, () => []);
    }
    for (const [key, value] of lastAppend) {
      const w = writes.get(key)!.get(value)!;
      if (w.txn === i) w.last = true;
    }
  });
  const allKeys = new Set([...writes.keys(), ...reads.keys(), ...failed.keys()]);
  result.keys = allKeys.size;

  const g = new DepGraph(txns.length);
  const id = (i: number) => txns[i]!.id;

  for (const key of allKeys) {
    const keyReads = reads.get(key) ?? [];
    const byValue = writes.get(key) ?? new Map<string, WriteRec>();
    const failedHere = failed.get(key);
    let longest: ReadRec | undefined;
    for (const r of keyReads) if (!longest || r.list.length > longest.list.length) longest = r;
    let ordered = true;

    for (const r of keyReads) {
      const seenHere = new Set<string>();
      for (const v of r.list) {
        if (seenHere.has(v)) {
          count("duplicate");
          push(result.duplicates, { key, value: v, reader: id(r.txn), read: r.list });
          ordered = false;
          break;
        }
        seenHere.add(v);
      }
      for (const v of r.list) {
        if (byValue.has(v)) continue;
        const f = failedHere?.get(v);
        if (f !== undefined) {
          count("G1a");
          push(result.g1a, { key, value: v, reader: id(r.txn), writer: id(f), read: r.list });
        } else {
          count("unexpected");
          push(result.unexpected, { key, value: v, reader: id(r.txn), read: r.list });
        }
      }
      // A transaction's appends to a key land together: whoever sees one sees its earlier ones just before it.
      for (let i = 0; i < r.list.length; i++) {
        const w = byValue.get(r.list[i]!);
        if (!w || w.pos === 0 || w.txn === r.txn) continue;
        if (i >= w.pos && w.seq.slice(0, w.pos).every((v, j) => r.list[i - w.pos + j] === v)) continue;
        count("incompatible-order");
        push(result.incompatibleOrder, { key, reader: id(r.txn), read: r.list, other: id(w.txn), otherRead: w.seq });
        ordered = false;
        break;
      }
      const lastValue = r.list[r.list.length - 1];
      const w = lastValue === undefined ? undefined : byValue.get(lastValue);
      if (w && !w.last && w.txn !== r.txn) {
        count("G1b");
        push(result.g1b, { key, value: lastValue!, reader: id(r.txn), writer: id(w.txn), read: r.list });
      }
      if (longest && r !== longest && !isPrefix(r.list, longest.list)) {
        count("incompatible-order");
        push(result.incompatibleOrder, {
          key,
          reader: id(r.txn),
          read: r.list,
          other: id(longest.txn),
          otherRead: longest.list,
        });
        ordered = false;
      }
    }

    // wr: a read depends on the transaction whose append it saw last, its own appends aside. Sound whatever the
    // order's state.
    for (const r of keyReads) {
      let i = r.list.length - 1;
      while (i >= 0 && byValue.get(r.list[i]!)?.txn === r.txn) i--;
      const w = i < 0 ? undefined : byValue.get(r.list[i]!);
      if (w) g.add(w.txn, r.txn, WR, { key, next: r.list[i], read: r.list });
    }
    // ww and rw need the version order; a key whose reads disagree has none to trust.
    if (ordered && longest) {
      const versions = longest.list;
      for (let i = 1; i < versions.length; i++) {
        const a = byValue.get(versions[i - 1]!);
        const b = byValue.get(versions[i]!);
        if (a && b) g.add(a.txn, b.txn, WW, { key, prev: versions[i - 1], next: versions[i] });
      }
      for (const r of keyReads) {
        const next = versions[r.list.length];
        const w = next === undefined ? undefined : byValue.get(next);
        if (w) g.add(r.txn, w.txn, RW, { key, next, read: r.list });
      }
    }

    findLost(key, txns, byValue, keyReads, longest, result);
  }

  addRealtime(txns, writes, g);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  for (const cls of CYCLE_CLASSES) {
    const found = findCycles(g, cls, limits);
    if (found.cycles.length) counts[cls.name] = found.cycles.length;
    if (found.cutShort) result.graph.cutShort.push(cls.name);
    for (const steps of found.cycles.slice(0, MAX_CYCLES)) result.cycles.push(describeCycle(cls.name, steps, txns, g));
  }
  result.graph.nodes = txns.length;
  result.graph.edges = g.edgeCount();

  const prohibited = new Set(PROHIBITED[consistency]);
  result.prohibited = Object.keys(counts).filter((n) => prohibited.has(n));
  const cutShort = result.graph.cutShort.filter((n) => prohibited.has(n));
  if (result.prohibited.length) {
    result.valid = false;
    result.reason = `${result.prohibited.map((n) => `${counts[n]} ${n}`).join(", ")} (not ${consistency})`;
  } else if (cutShort.length) {
    result.valid = "unknown";
    result.reason = `the cycle search ran out of its budget for ${cutShort.join(", ")}`;
  } else if (result.txns.ok === 0) {
    result.valid = "unknown";
    result.reason = "no transaction completed ok, so there is nothing to check";
  } else {
    const allowed = Object.keys(counts);
    result.reason =
      `${result.txns.ok} transactions ok, ${result.txns.info} indeterminate: consistent with ${consistency}` +
      (allowed.length ? ` (found ${allowed.join(", ")}, which it allows)` : "");
  }
  result.checkMs = Math.round(performance.now() - t0);
  return result;
}

/**
 * Inside one transaction a read must show what the transaction itself did: its earlier read of the key followed by
 * its appends since, or, with no earlier read, end with its own appends so far.
 */
function checkInternal(t: Txn, result: ListAppendResult, count: (name: string) => void): void {
  // Most transactions never read a key they append to; they have nothing to check.
  let both = false;
  for (const a of t.mops) if (a[0] === "append") for (const r of t.mops) if (r[0] === "r" && r[1] === a[1]) both = true;
  if (!both) return;
  const state = new Map<string, { read: string[] | undefined; appended: string[] }>();
  // Its appends not made yet: no read may show them.
  const future = new Map<string, Set<string>>();
  for (const m of t.mops) {
    if (m[0] !== "append") continue;
    const key = String(m[1]);
    const set = future.get(key) ?? new Set<string>();
    future.set(key, set.add(String(m[2])));
  }
  for (const m of t.mops) {
    const key = String(m[1]);
    let s = state.get(key);
    if (!s) state.set(key, (s = { read: undefined, appended: [] }));
    if (m[0] === "append") {
      s.appended.push(String(m[2]));
      future.get(key)!.delete(String(m[2]));
      continue;
    }
    if (!Array.isArray(m[2])) continue;
    const list = m[2].map(String);
    const expected = s.read ? [...s.read, ...s.appended] : s.appended;
    const ok = s.read
      ? expected.length === list.length && expected.every((v, i) => v === list[i])
      : list.length >= expected.length &&
        expected.every((v, i) => v === list[list.length - expected.length + i]) &&
        !list.some((v) => future.get(key)?.has(v));
    if (!ok) {
      count("internal");
      if (result.internal.length < MAX_LISTED)
        result.internal.push({
          key,
          txn: t.id,
          read: list,
          expected: s.read ? show(expected) : `[... ${expected.join(" ")}]`,
        });
    }
    s.read = list;
    s.appended = [];
  }
}

function isPrefix(a: string[], b: string[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Acknowledged appends that vanished: missing from the key's latest read when that read began after the
 * acknowledgement (set-full's rule), or missing from the longest read although it holds an append begun after the
 * acknowledgement. Only `ok` transactions can lose an append: an `info` one may never have happened.
 */
function findLost(
  key: string,
  txns: Txn[],
  byValue: Map<string, WriteRec>,
  keyReads: ReadRec[],
  longest: ReadRec | undefined,
  result: ListAppendResult,
): void {
  if (byValue.size === 0) return;
  let latest: ReadRec | undefined;
  for (const r of keyReads) if (!latest || txns[r.txn]!.start > txns[latest.txn]!.start) latest = r;
  const latestSet = latest ? new Set(latest.list) : undefined;
  const longestSet = longest ? new Set(longest.list) : undefined;
  // The latest-begun append the longest read holds: whatever was acknowledged before it began should be there too.
  let later: { value: string; start: number; txn: number } | undefined;
  for (const v of longest?.list ?? []) {
    const w = byValue.get(v);
    if (w && (!later || txns[w.txn]!.start > later.start)) later = { value: v, start: txns[w.txn]!.start, txn: w.txn };
  }
  const seenBy = (v: string) => keyReads.find((r) => r.list.includes(v));
  for (const [value, w] of byValue) {
    const t = txns[w.txn]!;
    if (t.type !== "ok") continue;
    if (latest && latestSet && !latestSet.has(value) && txns[latest.txn]!.start > t.end) {
      result.counts.lost = (result.counts.lost ?? 0) + 1;
      const s = seenBy(value);
      pushLost(result.lost, { key, value, writer: t.id, missedBy: txns[latest.txn]!.id, seenBy: s && txns[s.txn]!.id });
    } else if (longest && longestSet && !longestSet.has(value) && later && later.start > t.end) {
      result.counts.lost = (result.counts.lost ?? 0) + 1;
      const s = seenBy(value);
      pushLost(result.lost, {
        key,
        value,
        writer: t.id,
        missedBy: txns[longest.txn]!.id,
        laterValue: later.value,
        laterWriter: txns[later.txn]!.id,
        seenBy: s && txns[s.txn]!.id,
      });
    } else if (!latest || txns[latest.txn]!.start <= t.end) result.unconfirmed++;
  }
}

/**
 * Real-time edges without the quadratic all-pairs: sweeping invocations and completions in time order, a
 * transaction gets an edge from each transaction in the frontier (completed, and not yet followed by a completed
 * successor); a completion then replaces its predecessors in the frontier. Every real-time pair stays connected by
 * a path. Only transactions that may have happened are nodes: ok ones, and info ones a read saw.
 */
function addRealtime(txns: Txn[], writes: Map<string, Map<string, WriteRec>>, g: DepGraph): void {
  const observed = new Set<number>();
  for (const byValue of writes.values()) for (const w of byValue.values()) observed.add(w.txn);
  const events: Array<{ at: number; kind: 0 | 1; txn: number }> = [];
  txns.forEach((t, i) => {
    if (t.type === "fail") return;
    // An info transaction that appended nothing a read saw may never have happened; it joins no cycle anyway.
    if (t.type === "info" && !observed.has(i)) return;
    events.push({ at: t.start, kind: 0, txn: i });
    if (t.end !== Infinity) events.push({ at: t.end, kind: 1, txn: i });
  });
  // Invocations first at equal moments: real time orders only a completion strictly before an invocation.
  events.sort((a, b) => a.at - b.at || a.kind - b.kind);
  const frontier = new Set<number>();
  const preds = new Map<number, number[]>();
  for (const e of events) {
    if (e.kind === 0) {
      const p = [...frontier];
      preds.set(e.txn, p);
      for (const f of p) g.add(f, e.txn, RT);
    } else {
      for (const p of preds.get(e.txn) ?? []) frontier.delete(p);
      preds.delete(e.txn);
      frontier.add(e.txn);
    }
  }
}

function txnView(t: Txn): TxnView {
  return { id: t.id, process: t.process, type: t.type === "ok" ? "ok" : "info", mops: t.mops };
}

const name = (t: Txn) => `T${t.id}`;

/** The sentence for one edge of a cycle, in Elle's manner. */
export function explainEdge(from: Txn, to: Txn, bit: number, g: DepGraph, fromIdx: number, toIdx: number): CycleEdge {
  const kind = KIND_OF_BIT[bit]!;
  const w = g.why(fromIdx, toIdx, bit);
  const base = { from: from.id, to: to.id, kind };
  switch (bit) {
    case WW:
      return {
        ...base,
        key: w!.key,
        why: `${name(from)} appended ${w!.prev} to key ${w!.key}, and ${name(to)} appended ${w!.next} right after it, so ${name(from)} ww-> ${name(to)}`,
      };
    case WR:
      return {
        ...base,
        key: w!.key,
        why: `${name(to)}'s read of key ${w!.key} saw ${show(w!.read)}, ending in ${name(from)}'s append of ${w!.next}, so ${name(from)} wr-> ${name(to)}`,
      };
    case RW:
      return {
        ...base,
        key: w!.key,
        why: `${name(to)} appended ${w!.next} to key ${w!.key} after ${name(from)}'s read of key ${w!.key} saw ${show(w!.read)}, so ${name(from)} rw-> ${name(to)}`,
      };
    default:
      return { ...base, why: `${name(from)} completed before ${name(to)} began, so ${name(from)} rt-> ${name(to)}` };
  }
}

function describeCycle(cls: string, steps: CycleStep[], txns: Txn[], g: DepGraph): CycleAnomaly {
  return {
    name: cls,
    txns: steps.map((s) => txnView(txns[s.from]!)),
    edges: steps.map((s) => explainEdge(txns[s.from]!, txns[s.to]!, s.bit, g, s.from, s.to)),
  };
}

/** The checker as a workload declares it; the runner may pass `consistency` through the checker options. */
export function listAppendChecker(consistency: ConsistencyModel = DEFAULT_CONSISTENCY): Checker<ListAppendResult> {
  return { name: "list-append", check: (history) => checkListAppend(history, { consistency }) };
}

export { RT, RW, WR, WW };
