import type { Call, Model } from "../../models/model.js";
import { hashString } from "../../models/value.js";
import { ConfigCache } from "./cache.js";

export interface SearchLimits {
  /** Give up (verdict unknown) once `now()` passes this. */
  deadline: number;
  maxCacheEntries: number;
  now: () => number;
}

export type SearchOutcome =
  | { verdict: true; cacheEntries: number }
  /** `longest`: indices into the partition's calls, in linearization order, of the longest prefix found. */
  | { verdict: false; cacheEntries: number; longest: number[] }
  | { verdict: "unknown"; cacheEntries: number; limit: "timeout" | "cache" };

const NIL = -1;

/**
 * Sorted call/return entries of one partition. Entry 2i is call i's invocation, 2i+1 its return; a call sorts
 * before a return at the same time (they overlap), otherwise the order is the calls' order in the history.
 */
export function sortEntries(calls: readonly Call[]): Int32Array {
  const n = calls.length;
  const order = Array.from({ length: 2 * n }, (_, e) => e);
  const time = (e: number): number => ((e & 1) === 0 ? calls[e >> 1]!.call : calls[e >> 1]!.ret);
  order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  return Int32Array.from(order);
}

/** Fixed seed: the same history always explores in the same order, so verdicts and timings are reproducible. */
function zobristKeys(n: number): Int32Array {
  const z = new Int32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    z[i] = x;
  }
  return z;
}

/**
 * Wing & Gong's linearizability search with Lowe's cache, on one partition. The entries form a doubly linked list;
 * linearizing a call lifts its call and return entries out in O(1), backtracking puts them back (their own links
 * still point at their old neighbours). Pending calls return at +infinity: once the first return left in the list
 * belongs to a pending call, every completed call is linearized and the rest may simply never have taken effect.
 */
export function searchPartition<S>(calls: readonly Call[], model: Model<S>, limits: SearchLimits): SearchOutcome {
  const n = calls.length;
  const sorted = sortEntries(calls);
  const HEAD = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = HEAD;
  for (let k = 0; k < sorted.length; k++) {
    const e = sorted[k]!;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = NIL;

  const inputs = calls.map((c) => c.input);
  const outputs = calls.map((c) => c.output);
  const pending = Uint8Array.from(calls, (c) => (c.pending ? 1 : 0));
  // Completed and pending calls get separate bitsets (see ConfigCache); `slot` is a call's bit in its own set.
  const slot = new Int32Array(n);
  let completedCount = 0;
  let pendingCount = 0;
  for (let i = 0; i < n; i++) slot[i] = pending[i] ? pendingCount++ : completedCount++;
  const zobrist = zobristKeys(n);
  const doneBits = new Uint32Array(Math.max(1, Math.ceil(completedCount / 32)));
  const pendingBits = new Uint32Array(Math.ceil(pendingCount / 32));
  const cache = new ConfigCache<S>(doneBits.length, pendingBits.length, model.equal);
  const stackEntry = new Int32Array(n);
  const stackState: S[] = new Array(n);
  let depth = 0;
  let zob = 0;
  let state = model.init();
  let longest: number[] = [];
  let ticks = 0;

  const lift = (e: number): void => {
    next[prev[e]!] = next[e]!;
    prev[next[e]!] = prev[e]!;
    const r = e | 1;
    next[prev[r]!] = next[r]!;
    if (next[r] !== NIL) prev[next[r]!] = prev[r]!;
  };
  const unlift = (e: number): void => {
    const r = e | 1;
    next[prev[r]!] = r;
    if (next[r] !== NIL) prev[next[r]!] = r;
    next[prev[e]!] = e;
    prev[next[e]!] = e;
  };

  let e = next[HEAD]!;
  while (e !== NIL) {
    if ((++ticks & 0x3ff) === 0 && limits.now() > limits.deadline) {
      return { verdict: "unknown", cacheEntries: cache.size, limit: "timeout" };
    }
    const i = e >> 1;
    if ((e & 1) === 0) {
      const r = model.step(state, inputs[i], outputs[i]);
      if (r) {
        const bits = pending[i] ? pendingBits : doneBits;
        const word = slot[i]! >> 5;
        const bit = 1 << (slot[i]! & 31);
        bits[word]! |= bit;
        // Pending calls stay out of the key: configurations that differ only in them must meet in one bucket.
        if (!pending[i]) zob ^= zobrist[i]!;
        const h = model.hash(r.next);
        const sh = typeof h === "number" ? h : hashString(h);
        const key = (zob ^ Math.imul(sh ^ (sh >>> 15), 0x2c1b3c6d)) & 0x3fffffff;
        if (cache.addIfAbsent(key, doneBits, pendingBits, r.next)) {
          if (cache.size > limits.maxCacheEntries) {
            return { verdict: "unknown", cacheEntries: cache.size, limit: "cache" };
          }
          stackEntry[depth] = e;
          stackState[depth] = state;
          depth++;
          state = r.next;
          lift(e);
          e = next[HEAD]!;
          continue;
        }
        bits[word]! &= ~bit;
        if (!pending[i]) zob ^= zobrist[i]!;
      }
      e = next[e]!;
    } else {
      if (pending[i] === 1) break;
      if (depth > longest.length) longest = Array.from(stackEntry.subarray(0, depth), (x) => x >> 1);
      if (depth === 0) return { verdict: false, cacheEntries: cache.size, longest };
      depth--;
      const c = stackEntry[depth]!;
      const j = c >> 1;
      state = stackState[depth]!;
      stackState[depth] = undefined as S;
      (pending[j] ? pendingBits : doneBits)[slot[j]! >> 5]! &= ~(1 << (slot[j]! & 31));
      if (!pending[j]) zob ^= zobrist[j]!;
      unlift(c);
      e = next[c]!;
    }
  }
  return { verdict: true, cacheEntries: cache.size };
}
