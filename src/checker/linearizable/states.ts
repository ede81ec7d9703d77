import type { Model } from "../../models/model.js";

/** No transition: the call is impossible in that state. */
export const ILLEGAL = -1;
/** The transition memo is emptied when it reaches this many entries (12 bytes each), bounding its memory. */
const MAX_TRANSITIONS = 1 << 20;

/**
 * The model's states as small integers, and what each call does to each state, asked of the model once. The search
 * retries the same call in the same state over and over as it backtracks; with the answer remembered, a step is a
 * lookup in typed arrays: no model call, no result object, no hashing of a state (a kv string can be kilobytes long),
 * and the cache stores and compares an integer instead of a state. Models are pure (model.ts), so a remembered
 * answer is the answer.
 *
 * States are interned by the model's `hash` (a Map keyed by it, so a string hash is hashed natively) and confirmed
 * with its `equal`; the model's contract that equal states hash alike makes equal states one id.
 */
export class StateTable<S> {
  private readonly states: S[] = [];
  private readonly byHash = new Map<number | string, number>();
  /** The next id with the same hash: a chain for the rare collision. */
  private readonly sameHash: number[] = [];
  private keyState = new Int32Array(1024).fill(-1);
  private keyCall = new Int32Array(1024);
  private value = new Int32Array(1024);
  private used = 0;
  /** Lookups and misses so far, while remembering pays; see next. */
  private lookups = 0;
  private misses = 0;
  private remember = true;

  constructor(
    private readonly model: Model<S>,
    private readonly inputs: readonly unknown[],
    private readonly outputs: readonly unknown[],
  ) {
    this.intern(model.init());
  }

  /** The state with this id (0 is the model's initial state). */
  state(id: number): S {
    return this.states[id]!;
  }

  get size(): number {
    return this.states.length;
  }

  /** The id of the state after call `call` in state `id`, or ILLEGAL. */
  next(id: number, call: number): number {
    // Where nearly every transition is new (appends make a new string each time) remembering costs more than it saves.
    if (!this.remember) return this.step(id, call);
    if (++this.lookups === 1024 && 2 * this.misses > this.lookups) this.remember = false;
    const mask = this.keyState.length - 1;
    let h = Math.imul(id, 0x9e3779b1) ^ Math.imul(call, 0x85ebca6b);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = this.keyState[h]!;
      if (k === -1) break;
      if (k === id && this.keyCall[h] === call) return this.value[h]!;
      h = (h + 1) & mask;
    }
    return this.learn(id, call, h);
  }

  private step(id: number, call: number): number {
    const r = this.model.step(this.states[id]!, this.inputs[call], this.outputs[call]);
    return r ? this.intern(r.next) : ILLEGAL;
  }

  private learn(id: number, call: number, at: number): number {
    this.misses++;
    const v = this.step(id, call);
    if (this.used >= MAX_TRANSITIONS) {
      this.keyState.fill(-1);
      this.used = 0;
      this.put(id, call, v);
    } else if (2 * (this.used + 1) > this.keyState.length) {
      this.grow();
      this.put(id, call, v);
    } else {
      this.keyState[at] = id;
      this.keyCall[at] = call;
      this.value[at] = v;
      this.used++;
    }
    return v;
  }

  private put(id: number, call: number, v: number): void {
    const mask = this.keyState.length - 1;
    let h = Math.imul(id, 0x9e3779b1) ^ Math.imul(call, 0x85ebca6b);
    h = (h ^ (h >>> 15)) & mask;
    while (this.keyState[h] !== -1) h = (h + 1) & mask;
    this.keyState[h] = id;
    this.keyCall[h] = call;
    this.value[h] = v;
    this.used++;
  }

  private grow(): void {
    const ks = this.keyState;
    const kc = this.keyCall;
    const vs = this.value;
    this.keyState = new Int32Array(2 * ks.length).fill(-1);
    this.keyCall = new Int32Array(2 * ks.length);
    this.value = new Int32Array(2 * ks.length);
    this.used = 0;
    for (let h = 0; h < ks.length; h++) if (ks[h] !== -1) this.put(ks[h]!, kc[h]!, vs[h]!);
  }

  private intern(s: S): number {
    const h = this.model.hash(s);
    const first = this.byHash.get(h);
    for (let id = first ?? -1; id !== -1; id = this.sameHash[id]!) {
      if (this.model.equal(this.states[id]!, s)) return id;
    }
    const id = this.states.length;
    this.states.push(s);
    this.sameHash.push(first ?? -1);
    this.byHash.set(h, id);
    return id;
  }
}
