import type { History, Op } from "../../src/history/op.js";
import type { Model } from "../../src/models/model.js";

/**
 * Brute-force linearizability, written independently of the checker to judge it: pairs the history itself, then
 * tries every order of the operations that real time allows (a before b whenever a returned before b was invoked),
 * where every completed operation must appear and every pending one may appear or not. Exponential: tiny inputs only.
 */
export function bruteForceLinearizable(history: History, model: Model): boolean {
  // Models hold one key's state, so each key is judged alone (linearizability is compositional).
  const byKey = new Map<string, History>();
  for (const op of history) {
    const k = op.key === undefined || op.key === null ? "" : `k${op.key}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k)!.push(op);
  }
  if (history.some((op) => typeof op.time !== "number")) {
    // Without times the line order is real time; keep each op's global line as its time.
    for (const ops of byKey.values()) ops.forEach((op, i) => (ops[i] = { ...op, time: history.indexOf(op) }));
  }
  return [...byKey.values()].every((ops) => oneKey(ops, model));
}

function oneKey(history: History, model: Model): boolean {
  interface O {
    input: unknown;
    output: unknown;
    pending: boolean;
    call: number;
    ret: number;
  }
  const client = history.filter((op) => op.process !== "nemesis");
  const timed = client.every((op) => typeof op.time === "number");
  const open = new Map<unknown, [Op, number]>();
  const ops: O[] = [];
  const add = (inv: Op, invAt: number, done: Op | undefined, doneAt: number): void => {
    const d = model.decode(inv, done);
    if (d === null) return; // constrains nothing; omitting it is always allowed
    ops.push({
      input: d.input,
      output: done ? d.output : undefined,
      pending: !done,
      call: invAt,
      ret: done ? doneAt : Infinity,
    });
  };
  history.forEach((op, line) => {
    if (op.process === "nemesis") return;
    const at = timed ? op.time! : line;
    if (op.type === "invoke") {
      open.set(op.process, [op, at]);
      return;
    }
    const [inv, invAt] = open.get(op.process)!;
    open.delete(op.process);
    if (op.type === "ok") add(inv, invAt, op, at);
    else if (op.type === "info") add(inv, invAt, undefined, 0);
  });
  for (const [inv, invAt] of open.values()) add(inv, invAt, undefined, 0);

  const used = new Array<boolean>(ops.length).fill(false);
  const search = (state: unknown, placedCompleted: number, completed: number): boolean => {
    if (placedCompleted === completed) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      const x = ops[i]!;
      // x may go next only if no unplaced op returned before x was invoked.
      let allowed = true;
      for (let j = 0; j < ops.length; j++) {
        if (!used[j] && j !== i && ops[j]!.ret < x.call) {
          allowed = false;
          break;
        }
      }
      if (!allowed) continue;
      const r = model.step(state, x.input, x.output);
      if (!r) continue;
      used[i] = true;
      const ok = search(r.next, placedCompleted + (x.pending ? 0 : 1), completed);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  const completed = ops.filter((o) => !o.pending).length;
  return search(model.init(), 0, completed);
}
