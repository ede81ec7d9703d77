/**
 * Lowe's memoisation for Wing & Gong's search: every configuration the search has entered, as (completed calls
 * linearized, pending calls linearized, model state). Reaching one again cannot lead anywhere new.
 *
 * Pending calls get one refinement over exact matching: a configuration is also skipped when a recorded one has
 * the same completed set and state but linearized only a subset of its pending calls. Pending calls are optional
 * and never constrain real time (they return at +infinity), so the recorded configuration can do everything this
 * one can. Without it, every subset of pending calls is a separate configuration, and a history with a few dozen
 * `info` writes is out of reach.
 *
 * Bitsets live in one growing arena and collisions in an index chain, so an entry costs a few words rather than
 * typed arrays and an object each; that is what keeps large searches inside memory.
 */
export class ConfigCache<S> {
  private readonly heads = new Map<number, number>();
  private chain = new Int32Array(1024);
  private arena: Uint32Array;
  private readonly states: S[] = [];
  private readonly stride: number;
  size = 0;

  constructor(
    private readonly completedWords: number,
    private readonly pendingWords: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    this.stride = completedWords + pendingWords;
    this.arena = new Uint32Array(1024 * Math.max(1, this.stride));
  }

  /** Records the configuration and returns true, or returns false when it (or one that dominates it) is recorded. */
  addIfAbsent(key: number, completed: Uint32Array, pending: Uint32Array, state: S): boolean {
    const first = this.heads.get(key);
    for (let e = first ?? -1; e !== -1; e = this.chain[e]!) {
      if (this.covers(e * this.stride, completed, pending) && this.equal(this.states[e]!, state)) return false;
    }
    const e = this.size++;
    if (e >= this.chain.length) this.grow();
    this.chain[e] = first ?? -1;
    this.arena.set(completed, e * this.stride);
    if (this.pendingWords) this.arena.set(pending, e * this.stride + this.completedWords);
    this.states[e] = state;
    this.heads.set(key, e);
    return true;
  }

  /** Same completed set, and the recorded pending set is a subset of the given one. */
  private covers(offset: number, completed: Uint32Array, pending: Uint32Array): boolean {
    const a = this.arena;
    const cw = this.completedWords;
    for (let i = 0; i < cw; i++) if (a[offset + i] !== completed[i]) return false;
    const po = offset + cw;
    for (let i = 0; i < this.pendingWords; i++) if ((a[po + i]! & ~pending[i]!) !== 0) return false;
    return true;
  }

  private grow(): void {
    const chain = new Int32Array(this.chain.length * 2);
    chain.set(this.chain);
    this.chain = chain;
    const arena = new Uint32Array(this.arena.length * 2);
    arena.set(this.arena);
    this.arena = arena;
  }
}
