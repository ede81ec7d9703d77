import { describe, expect, it } from "vitest";
import { ILLEGAL, StateTable } from "../../src/checker/linearizable/states.js";
import { registerModel } from "../../src/models/index.js";
import type { Model } from "../../src/models/model.js";

/** A counter whose states are objects that all hash alike: interning must fall back to `equal`. */
function counterModel(steps: { n: number }): Model<{ v: number }, number, number> {
  return {
    ...(registerModel as unknown as Model<{ v: number }, number, number>),
    name: "test-counter",
    init: () => ({ v: 0 }),
    step: (s, add, out) => {
      steps.n++;
      // A call with an expected output only succeeds when the counter reaches it.
      if (out !== undefined && s.v + add !== out) return false;
      return { ok: true, next: { v: s.v + add } };
    },
    equal: (a, b) => a.v === b.v,
    hash: () => 1,
  };
}

describe("the search's state table", () => {
  it("gives equal states one id, even when every hash collides, and asks the model once per state and call", () => {
    const steps = { n: 0 };
    // call 0: +1; call 1: -1; call 2: +1 that must read 2.
    const t = new StateTable(counterModel(steps), [1, -1, 1], [undefined, undefined, 2]);
    const one = t.next(0, 0);
    expect(t.state(one)).toEqual({ v: 1 });
    expect(t.next(one, 1)).toBe(0); // back to { v: 0 }: the initial state's id
    expect(t.next(0, 2)).toBe(ILLEGAL);
    const two = t.next(one, 2);
    expect(t.state(two)).toEqual({ v: 2 });
    expect(t.size).toBe(3);
    const asked = steps.n;
    for (let k = 0; k < 10; k++) {
      expect(t.next(0, 0)).toBe(one);
      expect(t.next(0, 2)).toBe(ILLEGAL);
    }
    expect(steps.n).toBe(asked);
  });

  it("still answers right once nearly every transition is new and it stops remembering", () => {
    const steps = { n: 0 };
    const n = 3000;
    const t = new StateTable(counterModel(steps), new Array(n).fill(1), new Array(n).fill(undefined));
    let s = 0;
    for (let i = 0; i < n; i++) s = t.next(s, i);
    expect(t.state(s)).toEqual({ v: n });
    expect(t.next(0, 5)).toBe(1);
  });
});
