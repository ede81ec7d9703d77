/**
 * Lowe's memoisation for Wing & Gong's search: every (set of linearized calls, model state) configuration the
 * search has entered. Reaching one again cannot lead anywhere new, so the search skips it.
 *
 * Bitsets live in one growing arena and collisions in an index chain, so an entry costs a few words rather than
 * a typed array and an object each; that is what lets large searches stay inside memory.
 */
export class ConfigCache<S> {
  private readonly heads = new Map<number, number>();
  private chain = new Int32Array(1024);
  private arena: Uint32Array;
  private readonly states: S[] = [];
  size = 0;

  constructor(
    private readonly words: number,
    private readonly equal: (a: S, b: S) => boolean,
  ) {
    this.arena = new Uint32Array(1024 * Math.max(1, words));
  }

  /** Records the configuration and returns true, or returns false when it was already recorded. */
  addIfAbsent(key: number, bits: Uint32Array, state: S): boolean {
    const w = this.words;
    const first = this.heads.get(key);
    for (let e = first ?? -1; e !== -1; e = this.chain[e]!) {
      if (this.sameBits(e * w, bits) && this.equal(this.states[e]!, state)) return false;
    }
    const e = this.size++;
    if (e >= this.chain.length) this.grow();
    this.chain[e] = first ?? -1;
    this.arena.set(bits, e * w);
    this.states[e] = state;
    this.heads.set(key, e);
    return true;
  }

  private sameBits(offset: number, bits: Uint32Array): boolean {
    const a = this.arena;
    for (let i = 0; i < bits.length; i++) if (a[offset + i] !== bits[i]) return false;
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
