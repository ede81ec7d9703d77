/**
 * Lowe's memoisation for Wing & Gong's search: every configuration the search has entered, as (completed calls
 * linearized, pending calls linearized, model state). Reaching one again cannot lead anywhere new. States arrive
 * as small integer ids (see StateTable), so an entry is a few words in typed arrays and nothing for the collector.
 *
 * Pending calls get one refinement over exact matching: a configuration is also skipped when a recorded one has
 * the same completed set and state but linearized only a subset of its pending calls. Pending calls are optional
 * and never constrain real time (they return at +infinity), so the recorded configuration can do everything this
 * one can. That subset test cannot be hashed, so it runs over a short window of the most recent configurations with
 * the same completed set and state (COVER_WINDOW); exact matches, pending calls included, are found by hash. A long
 * history with many pending calls once put thousands of configurations differing only in pending calls into one
 * bucket and scanned them all on every step. Missing a dominating configuration only costs search time, never a
 * verdict: the cache only ever skips configurations already covered. Without pending calls the two tests are one,
 * so such a partition keeps only the exact chains.
 *
 * A configuration is stored compactly: the completed set as the count of leading all-ones words plus the words
 * after them up to the last non-zero one, and the pending set as its non-zero span. The search goes roughly in
 * history order, so that is a few words where the whole bitset of a 100k-op partition is thousands.
 */
const COVER_WINDOW = 8;

export interface BitsetView {
  bits: Uint32Array;
  /** Words before `lo` are all ones (completed set) or all zeros (pending set); words from `hi` on are zero. */
  lo: number;
  hi: number;
}

export class ConfigCache {
  private arena = new Uint32Array(4096);
  private used = 0;
  /** Per entry: arena offset, completed lo/hi, pending lo/hi, both hashes, and the next entry in each chain. */
  private offset = new Int32Array(1024);
  private meta = new Int32Array(4 * 1024);
  private exactHash = new Int32Array(1024);
  private coverHash = new Int32Array(1024);
  private exactNext = new Int32Array(1024);
  private coverNext = new Int32Array(1024);
  private exactHeads = new Int32Array(1024).fill(-1);
  private coverHeads = new Int32Array(1024).fill(-1);
  private stateOf = new Int32Array(1024);
  size = 0;

  /** `withPending`: the partition has pending calls, so the subset test (and its chains) is needed. */
  constructor(private readonly withPending: boolean) {}

  /**
   * Records the configuration and returns true, or returns false when it (or one that dominates it) is recorded.
   * `exact` hashes completed set, pending set and state; `cover` hashes completed set and state only.
   */
  addIfAbsent(exact: number, cover: number, done: BitsetView, pending: BitsetView, state: number): boolean {
    const mask = this.exactHeads.length - 1;
    for (let e = this.exactHeads[exact & mask]!; e !== -1; e = this.exactNext[e]!) {
      if (
        this.exactHash[e] === exact &&
        this.stateOf[e] === state &&
        this.sameDone(e, done) &&
        this.samePending(e, pending)
      ) {
        return false;
      }
    }
    if (!this.withPending) {
      this.insert(exact, cover, done, pending, state);
      return true;
    }
    let seen = 0;
    for (let e = this.coverHeads[cover & mask]!; e !== -1 && seen < COVER_WINDOW; e = this.coverNext[e]!) {
      if (this.coverHash[e] !== cover) continue;
      seen++;
      if (this.stateOf[e] === state && this.sameDone(e, done) && this.pendingCovered(e, pending)) return false;
    }
    this.insert(exact, cover, done, pending, state);
    return true;
  }

  private sameDone(e: number, d: BitsetView): boolean {
    const m = 4 * e;
    if (this.meta[m] !== d.lo || this.meta[m + 1] !== d.hi) return false;
    const a = this.arena;
    const off = this.offset[e]! - d.lo;
    for (let i = d.lo; i < d.hi; i++) if (a[off + i] !== d.bits[i]) return false;
    return true;
  }

  private samePending(e: number, p: BitsetView): boolean {
    const m = 4 * e;
    if (this.meta[m + 2] !== p.lo || this.meta[m + 3] !== p.hi) return false;
    const a = this.arena;
    const off = this.offset[e]! + (this.meta[m + 1]! - this.meta[m]!) - p.lo;
    for (let i = p.lo; i < p.hi; i++) if (a[off + i] !== p.bits[i]) return false;
    return true;
  }

  /** The recorded pending set is a subset of the given one. */
  private pendingCovered(e: number, p: BitsetView): boolean {
    const m = 4 * e;
    const lo = this.meta[m + 2]!;
    const hi = this.meta[m + 3]!;
    if (lo < hi && (lo < p.lo || hi > p.hi)) return false;
    const a = this.arena;
    const off = this.offset[e]! + (this.meta[m + 1]! - this.meta[m]!) - lo;
    for (let i = lo; i < hi; i++) if ((a[off + i]! & ~p.bits[i]!) !== 0) return false;
    return true;
  }

  private insert(exact: number, cover: number, done: BitsetView, pending: BitsetView, state: number): void {
    const e = this.size++;
    if (e >= this.offset.length) this.growEntries();
    const words = done.hi - done.lo + (pending.hi - pending.lo);
    if (this.used + words > this.arena.length) {
      const arena = new Uint32Array(Math.max(2 * this.arena.length, this.used + words));
      arena.set(this.arena.subarray(0, this.used));
      this.arena = arena;
    }
    this.offset[e] = this.used;
    // A word or two each: a loop, where set() would allocate two subarray views per configuration.
    const a = this.arena;
    let at = this.used;
    for (let i = done.lo; i < done.hi; i++) a[at++] = done.bits[i]!;
    for (let i = pending.lo; i < pending.hi; i++) a[at++] = pending.bits[i]!;
    this.used = at;
    const m = 4 * e;
    this.meta[m] = done.lo;
    this.meta[m + 1] = done.hi;
    this.meta[m + 2] = pending.lo;
    this.meta[m + 3] = pending.hi;
    this.exactHash[e] = exact;
    this.coverHash[e] = cover;
    this.stateOf[e] = state;
    if (this.size > this.exactHeads.length) this.rehash();
    else this.link(e);
  }

  private link(e: number): void {
    const mask = this.exactHeads.length - 1;
    const x = this.exactHash[e]! & mask;
    this.exactNext[e] = this.exactHeads[x]!;
    this.exactHeads[x] = e;
    if (!this.withPending) return;
    const c = this.coverHash[e]! & mask;
    this.coverNext[e] = this.coverHeads[c]!;
    this.coverHeads[c] = e;
  }

  /** Doubles the bucket tables, relinking entries oldest first so each chain still lists the newest first. */
  private rehash(): void {
    this.exactHeads = new Int32Array(2 * this.exactHeads.length).fill(-1);
    if (this.withPending) this.coverHeads = new Int32Array(this.exactHeads.length).fill(-1);
    for (let e = 0; e < this.size; e++) this.link(e);
  }

  private growEntries(): void {
    const n = 2 * this.offset.length;
    const grow = <T extends Int32Array>(a: T, len: number): T => {
      const b = new Int32Array(len);
      b.set(a);
      return b as T;
    };
    this.offset = grow(this.offset, n);
    this.meta = grow(this.meta, 4 * n);
    this.exactHash = grow(this.exactHash, n);
    this.coverHash = grow(this.coverHash, n);
    this.exactNext = grow(this.exactNext, n);
    this.coverNext = grow(this.coverNext, n);
    this.stateOf = grow(this.stateOf, n);
  }
}
