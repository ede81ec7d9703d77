import type { Call, Model } from "../../models/model.js";
import { type BitsetView, ConfigCache } from "./cache.js";
import { ILLEGAL, StateTable } from "./states.js";

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
  const time = new Float64Array(2 * n);
  const order = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    time[2 * i] = calls[i]!.call;
    time[2 * i + 1] = calls[i]!.ret;
  }
  for (let e = 0; e < 2 * n; e++) order[e] = e;
  // Infinity - Infinity (two pending returns) is NaN, which is falsy: the next criterion decides, as it should.
  return order.sort((a, b) => time[a]! - time[b]! || (a & 1) - (b & 1) || a - b);
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
  return startSearch(calls, model).run(limits, Infinity)!;
}

/** A search that can stop after a number of steps and carry on later from where it stopped. */
export interface PartitionSearch {
  /** Searches on; undefined when `maxTicks` more steps (rounded up to 1024) did not settle it. */
  run(limits: SearchLimits, maxTicks: number): SearchOutcome | undefined;
}

/** Prepares the search of one partition (see searchPartition) without taking a step yet. */
export function startSearch<S>(calls: readonly Call[], model: Model<S>): PartitionSearch {
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

  const inputs = new Array<unknown>(n);
  const outputs = new Array<unknown>(n);
  const pending = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = calls[i]!;
    inputs[i] = c.input;
    outputs[i] = c.output;
    pending[i] = c.pending ? 1 : 0;
  }
  const states = new StateTable(model, inputs, outputs);
  // Completed and pending calls get separate bitsets (see ConfigCache); `slot` is a call's bit in its own set.
  const slot = new Int32Array(n);
  let completedCount = 0;
  let pendingCount = 0;
  for (let i = 0; i < n; i++) slot[i] = pending[i] ? pendingCount++ : completedCount++;
  const zobrist = zobristKeys(n);
  const done: BitsetView = { bits: new Uint32Array(Math.max(1, Math.ceil(completedCount / 32))), lo: 0, hi: 0 };
  const pendingWords = Math.ceil(pendingCount / 32);
  // An empty pending set's span is [length, length), as spanPending finds it: the cache compares spans exactly, so
  // starting at [0, 0) would make the empty set before any pending flip differ from the empty set after one.
  const pend: BitsetView = { bits: new Uint32Array(pendingWords), lo: pendingWords, hi: pendingWords };
  const cache = new ConfigCache(pendingCount > 0);
  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  let savedDepth = 0;
  let savedZobDone = 0;
  let savedZobPend = 0;
  let savedState = 0;
  // The deepest stack seen, for the counterexample. Copying the whole stack at each new depth is quadratic (a valid
  // partition of n calls reaches n new depths); below `kept` the stack still equals the copy, so only the rest moves.
  const longest = new Int32Array(n);
  let savedLongestLen = 0;
  let savedKept = 0;
  let savedTicks = 0;

  const spanPending = (): void => {
    const b = pend.bits;
    let lo = 0;
    while (lo < b.length && b[lo] === 0) lo++;
    let hi = b.length;
    while (hi > lo && b[hi - 1] === 0) hi--;
    pend.lo = lo;
    pend.hi = hi;
  };
  // Sets or clears call i's bit, keeping the spans the cache stores (see ConfigCache) up to date as bits change
  // rather than found by scanning.
  const flip = (i: number, on: boolean): void => {
    const w = slot[i]! >> 5;
    const bit = 1 << (slot[i]! & 31);
    if (pending[i]) {
      if (on) pend.bits[w]! |= bit;
      else pend.bits[w]! &= ~bit;
      spanPending();
      return;
    }
    const b = done.bits;
    if (on) {
      b[w]! |= bit;
      if (w >= done.hi) done.hi = w + 1;
      while (done.lo < b.length && b[done.lo] === 0xffffffff) done.lo++;
    } else {
      b[w]! &= ~bit;
      if (w < done.lo) done.lo = w;
      while (done.hi > 0 && b[done.hi - 1] === 0) done.hi--;
    }
  };

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

  let savedEntry = next[HEAD]!;

  // The loop's variables are locals while it runs (closure variables are slower to reach) and saved when it pauses.
  const run = (limits: SearchLimits, maxTicks: number): SearchOutcome | undefined => {
    // Locals for what the loop reads on every step: in the closure's context each read is a load more.
    const nextL = next;
    const pendingL = pending;
    const zobristL = zobrist;
    const stackEntryL = stackEntry;
    const stackStateL = stackState;
    const longestL = longest;
    const cacheL = cache;
    const statesL = states;
    let e = savedEntry;
    let depth = savedDepth;
    let state = savedState;
    let zobDone = savedZobDone;
    let zobPend = savedZobPend;
    let longestLen = savedLongestLen;
    let kept = savedKept;
    let ticks = savedTicks;
    const stopAt = ticks + maxTicks;
    while (e !== NIL) {
      if ((++ticks & 0x3ff) === 0) {
        if (limits.now() > limits.deadline) return { verdict: "unknown", cacheEntries: cacheL.size, limit: "timeout" };
        if (ticks >= stopAt) {
          savedEntry = e;
          savedDepth = depth;
          savedState = state;
          savedZobDone = zobDone;
          savedZobPend = zobPend;
          savedLongestLen = longestLen;
          savedKept = kept;
          savedTicks = ticks;
          return undefined;
        }
      }
      const i = e >> 1;
      if ((e & 1) === 0) {
        const after = statesL.next(state, i);
        if (after !== ILLEGAL) {
          flip(i, true);
          if (pendingL[i] === 1) zobPend ^= zobristL[i]!;
          else zobDone ^= zobristL[i]!;
          const st = Math.imul(after + 1, 0x2c1b3c6d);
          // Exact matches, pending calls included, are found by hash; the pending-subset test by a short scan.
          if (cacheL.addIfAbsent(zobDone ^ zobPend ^ st, zobDone ^ st, done, pend, after)) {
            if (cacheL.size > limits.maxCacheEntries) {
              return { verdict: "unknown", cacheEntries: cacheL.size, limit: "cache" };
            }
            stackEntryL[depth] = e;
            stackStateL[depth] = state;
            depth++;
            state = after;
            lift(e);
            e = nextL[HEAD]!;
            continue;
          }
          flip(i, false);
          if (pendingL[i] === 1) zobPend ^= zobristL[i]!;
          else zobDone ^= zobristL[i]!;
        }
        e = nextL[e]!;
      } else {
        if (pendingL[i] === 1) break;
        if (depth > longestLen) {
          longestL.set(stackEntryL.subarray(kept, depth), kept);
          longestLen = kept = depth;
        }
        if (depth === 0) {
          const calls = Array.from(longestL.subarray(0, longestLen), (x) => x >> 1);
          return { verdict: false, cacheEntries: cacheL.size, longest: calls };
        }
        depth--;
        if (depth < kept) kept = depth;
        const c = stackEntryL[depth]!;
        const j = c >> 1;
        state = stackStateL[depth]!;
        flip(j, false);
        if (pendingL[j] === 1) zobPend ^= zobristL[j]!;
        else zobDone ^= zobristL[j]!;
        unlift(c);
        e = nextL[c]!;
      }
    }
    return { verdict: true, cacheEntries: cacheL.size };
  };
  return { run };
}
